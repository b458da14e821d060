"""termsgap scan: documents in, gap reports out."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from .common import JOBS, ExitCode, check_model, expand_inputs, fail, resolve_policy
from .history import waivers_or_fail, store_scan


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--vendor", help="Vendor name shown in the reports.")
@click.option("--policy", "policy_ref", default=None, help="Policy file or name in policies/ (default: default).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Report folder (default: reports/<timestamp>/).")
@click.option("--format", "formats", multiple=True, default=("json", "html", "pdf"), show_default=True,
              help=f"Report formats to write, repeatable.")
@JOBS
@click.option("--ocr", is_flag=True, help="OCR image-only pages with tesseract, where installed.")
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False), default=None,
              envvar="TERMSGAP_MODEL", help="Learned reader from `termsgap train` (default: the one shipped).")
@click.option("--quiet", "-q", is_flag=True, help="No terminal summary.")
@click.option("--db", type=click.Path(dir_okay=False), default=None, envvar="TERMSGAP_DB",
              help="History database the scan is stored in (default: ~/.local/share/termsgap/history.db).")
@click.option("--waivers", "waivers_path", type=click.Path(dir_okay=False), default=None,
              help="Waivers YAML to apply (default: waivers.yaml in the current folder, if present).")
def scan(inputs, vendor, policy_ref, out_dir, formats, jobs, ocr, model_dir, quiet, db, waivers_path):
    """Check vendor terms (PDF, DOCX, HTML, Markdown, text; files or folders) against a policy.

    Writes report.json, report.html and report.pdf into --out. Exit code: 0 no gap, 1 a question is a gap,
    2 usage or input error (a document could not be read; the others are still checked and reported).
    Every scan is stored in the history database (--db) with waivers applied (--waivers).
    """
    from .. import engine
    from ..report import available_formats, summary_text, write_reports

    unknown = [f for f in formats if f not in available_formats()]
    if unknown:
        fail(f"unknown report format '{unknown[0]}' (one of {', '.join(available_formats())})")
    policy = resolve_policy(policy_ref)
    check_model(model_dir)
    paths = expand_inputs(inputs)
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
        checklist = policy.load_checklist()
        waivers = waivers_or_fail(waivers_path, [q.id for q in checklist.questions])
        facts, result = engine.check(paths, policy, vendor=vendor, jobs=jobs, ocr=ocr, model=model_dir,
                                     waivers=waivers, progress=progress)
    store_scan(db, facts, result, checklist)
    try:
        written = write_reports(result, out, formats)
    except Exception as exc:  # e.g. WeasyPrint without Pango: the reports already in `out` stay as they were
        fail(f"{out}: cannot write the reports ({type(exc).__name__}: {exc})")
    if not quiet:
        click.echo(summary_text(result))
        click.echo("reports: " + ", ".join(str(p) for p in written))
    if result.has_error:
        sys.exit(ExitCode.USAGE)
    sys.exit(ExitCode.GAP if result.has_gap else ExitCode.OK)
