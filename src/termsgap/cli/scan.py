"""termsgap scan: documents in, gap reports out."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from .common import JOBS, ExitCode, check_model, expand_inputs, fail, parse_formats, resolve_policy, vendors_or_fail
from .config import SCAN_KEYS, config_option, source_of
from .history import waivers_or_fail, store_scan


def _ids(ctx, param, values) -> tuple[str, ...]:
    """Question IDs from repeated options and comma lists: --check a,b --check c."""
    return tuple(i.strip() for v in values or () for i in str(v).split(",") if i.strip())


def _selection(ctx, checklist, check, skip) -> tuple[str, ...] | None:
    """The questions to report (None: all), or one line naming the option (or file key) with an unknown ID."""
    for name, flag, ids in (("check", "--check", check), ("skip_check", "--skip-check", skip)):
        try:
            checklist.select(ids)
        except ValueError as exc:
            fail(f"{source_of(ctx, name, flag)}: {exc}")
    selected = checklist.select(check, skip)
    if not selected:
        fail("--check and --skip-check leave no question to check")
    return None if len(selected) == len(checklist.questions) else selected


@click.command()
@config_option(SCAN_KEYS)
@click.argument("inputs", nargs=-1, required=True)
@click.option("--vendor", help="One vendor name for every document (default: a folder per vendor, the file name "
                                "'vendor__document__date', or the vendor named in the title).")
@click.option("--vendors", "vendors_file", type=click.Path(dir_okay=False), default=None,
              help="vendors.yaml mapping vendor names to file globs: `Acme AI: [\"contracts/acme-*\"]`.")
@click.option("--policy", "policy_ref", default=None, help="Policy file or name in policies/ (default: default).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, allow_dash=True), default=None,
              help="Report folder (default: reports/<timestamp>/); '-' writes one text format to standard output.")
@click.option("--format", "formats", multiple=True, default=("json,html,pdf",), show_default=True,
              help="Report formats to write: a comma list, repeatable (json, html, pdf, pdf-summary, md, sarif, csv, "
                   "xlsx, junit, comparison-csv).")
@JOBS
@click.option("--ocr", is_flag=True, help="OCR image-only pages with tesseract, where installed.")
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False), default=None,
              envvar="TERMSGAP_MODEL", show_envvar=True,
              help="Learned reader from `termsgap train` (default: the one shipped).")
@click.option("--fail-on", type=click.Choice(["gap", "review", "partial", "never"]), default="gap", show_default=True,
              help="The verdicts that exit 1: gap; review (gap or review); partial (gap, review or partial); never.")
@click.option("--soft-fail", is_flag=True, help="Exit 0 whatever the findings (2 still means a usage or input error).")
@click.option("--check", multiple=True, callback=_ids, metavar="ID,...",
              help="Only these questions (comma-separated or repeated; see `termsgap policy list`).")
@click.option("--skip-check", multiple=True, callback=_ids, metavar="ID,...",
              help="All questions but these (comma-separated or repeated).")
@click.option("--quiet", "-q", is_flag=True, help="Print the findings only: no header, legend or reports line.")
@click.option("--db", type=click.Path(dir_okay=False), default=None, envvar="TERMSGAP_DB", show_envvar=True,
              help="History database the scan is stored in (default: ~/.local/share/termsgap/history.db).")
@click.option("--waivers", "waivers_path", type=click.Path(dir_okay=False), default=None,
              help="Waivers YAML to apply (default: waivers.yaml in the current folder, if present).")
@click.pass_context
def scan(ctx, inputs, vendor, vendors_file, policy_ref, out_dir, formats, jobs, ocr, model_dir, fail_on, soft_fail,
         check, skip_check, quiet, db, waivers_path):
    """Check vendor terms (PDF, DOCX, HTML, Markdown, text; files or folders) against a policy.

    Writes the reports into --out: json (canonical, schema-versioned), html
    (self-contained) and pdf; md, csv, xlsx, sarif, junit and pdf-summary on
    request (--format, a comma list or repeated; --out - writes one text format
    to standard output). Prints what to act on, per
    document, and which report to open.

    Exit codes: 0 no finding fails --fail-on; 1 one does (default: a gap);
    2 a usage or input error (an unreadable document gets one line and the
    others are still checked; when no document can be read, nothing is
    written or stored). --soft-fail exits 0 whatever the findings, but 2
    stays 2.

    Every scan is stored in the history database (--db), every question,
    with waivers applied (--waivers); --check and --skip-check narrow the
    reports, the summary and the exit code. Settings may come from a file
    (--config); options given on the command line win.

    Environment: TERMSGAP_DB (--db), TERMSGAP_MODEL (--model), NO_COLOR
    (no colours), COLUMNS (summary width), TERMSGAP_MAX_INPUT_BYTES and
    TERMSGAP_MAX_DOCX_INFLATED (input limits).
    """
    from .. import engine
    from ..report import render, summary_text, write_reports
    from ..report.terminal import want_color
    from ..vendors import folder_vendors

    formats = parse_formats(formats, out_dir)
    to_stdout = out_dir == "-"
    policy = resolve_policy(policy_ref, source_of(ctx, "policy_ref", "--policy"))
    checklist = policy.load_checklist()
    selected = _selection(ctx, checklist, check, skip_check)
    check_model(model_dir)
    named = vendors_or_fail(vendors_file)
    paths = expand_inputs(inputs, recursive=True)
    if not paths:
        fail("no documents found in " + ", ".join(inputs))
    out = Path(out_dir) if out_dir else Path("reports") / datetime.now().strftime("%Y%m%d-%H%M%S")

    show_bar = sys.stderr.isatty() and len(paths) > 1 and not quiet
    with click.progressbar(length=len(paths), label="checking", file=sys.stderr,
                           hidden=not show_bar) as bar:
        def progress(df):
            for problem in ([df.error] if df.status == "error" else list(df.warnings)):
                click.echo(("\n" if show_bar else "") + f"termsgap: {df.source}: {problem}", err=True)
            bar.update(1)
        waivers = waivers_or_fail(waivers_path, [q.id for q in checklist.questions])
        facts, result = engine.check(paths, policy, vendor=vendor, jobs=jobs, ocr=ocr, model=model_dir,
                                     waivers=waivers, progress=progress, named=named,
                                     folders=folder_vendors(inputs, paths))
    if all(df.status == "error" for df in facts):  # each already has its line: no empty report, no run stored
        sys.exit(ExitCode.USAGE)
    stored = result  # the history keeps every question
    if selected is not None:
        result = result.only(selected)
    try:
        if to_stdout:  # the report alone on standard output; the summary goes to standard error
            click.echo(render(result, formats[0]), nl=False)
        else:
            written = write_reports(result, out, formats)
    except Exception as exc:  # e.g. WeasyPrint without Pango: the reports already in `out` stay as they were
        fail(f"{out}: cannot write the reports ({type(exc).__name__}: {exc})")
    store_scan(db, facts, stored, checklist)  # after the reports: they never depend on the history
    stream = sys.stderr if to_stdout else sys.stdout
    text = summary_text(result, color=want_color(stream), quiet=quiet, reports=() if to_stdout else written)
    if text and not (quiet and to_stdout):  # -q with --out -: the report alone
        click.echo(text, err=to_stdout)
    if result.has_error:
        sys.exit(ExitCode.USAGE)
    sys.exit(ExitCode.GAP if result.fails(fail_on) and not soft_fail else ExitCode.OK)
