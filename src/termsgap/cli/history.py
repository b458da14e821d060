"""termsgap watch / recheck / history / waive: know when vendor terms change.

Recheck exit codes (for cron, systemd timers and CI schedules):
  0 nothing changed · 2 a source could not be fetched or read (and nothing else fails the job)
  3 terms changed, no verdict got worse · 4 a verdict got worse (toward gap)
`--fail-on changed` (default) uses 3 and 4; `--fail-on worse` exits 4 only on a worse verdict (a change alone
exits 0); `--fail-on never` exits 0 for any change (2 still reports unreadable sources).
"""
from __future__ import annotations

import re
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click

from .common import ExitCode, fail, resolve_policy

FAIL_ON = ("changed", "worse", "never")


def _db_option(f):
    return click.option("--db", "db", type=click.Path(dir_okay=False), default=None, envvar="TERMSGAP_DB",
                        show_envvar=True, help="History database (default: ~/.local/share/termsgap/history.db).")(f)


@contextmanager
def _store(db, then: str = ""):
    """The history database for one command: any problem with it is the command's one line (`then` says what
    happens next) and exit 2."""
    from ..history import HistoryError, Store

    try:
        with Store(db) as store:
            yield store
    except HistoryError as exc:
        fail(f"{exc}{then}")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (name or "vendor").lower()).strip("-") or "vendor"


def waivers_or_fail(path: str | None, questions=None):
    from ..policy.waivers import DEFAULT_WAIVERS_FILE, WaiverError, load_waivers

    try:
        if path:
            return load_waivers(path, questions=questions)
        return load_waivers(DEFAULT_WAIVERS_FILE, questions=questions, missing_ok=True)
    except WaiverError as exc:
        fail(str(exc))


def store_scan(db, facts, result, checklist):
    """Store a scan in history (after its reports are written). A history problem is one line on stderr and never
    changes the scan's outcome. Returns the run id, or None when the scan was not stored."""
    from ..history import HistoryError, Store, default_db_path, record_scan

    try:
        with Store(db) as store:
            return record_scan(store, facts, result, checklist)[0]
    except HistoryError as exc:
        problem = str(exc)
    except Exception as exc:  # noqa: BLE001 - nothing in the history may cost the user the scan
        path = Path(db).expanduser() if db else default_db_path()
        problem = f"{path}: {type(exc).__name__}: {' '.join(str(exc).split())}"
    click.echo(f"termsgap: {problem}; the scan was not stored in history (its reports were written)", err=True)
    return None


# --------------------------------------------------------------------------- watch

@click.group()
def watch() -> None:
    """Sources (files, folders, http(s) URLs) to re-check for a vendor."""


@watch.command("add")
@click.argument("vendor")
@click.argument("sources", nargs=-1, required=True)
@click.option("--policy", "policy_ref", default=None, help="Policy file or name in policies/ (default: default).")
@_db_option
def watch_add(vendor, sources, policy_ref, db):
    """Watch SOURCES (files, folders or http(s) URLs) for VENDOR; adds to an existing watch."""
    from ..history import source_key
    from ..history.fetch import is_url

    if policy_ref is not None:
        resolve_policy(policy_ref)  # fail now, not at 3 a.m.
        if Path(policy_ref).exists():
            policy_ref = str(Path(policy_ref).resolve())
    keys = []
    for s in sources:
        if not is_url(s) and not Path(s).expanduser().exists():
            click.echo(f"termsgap: warning: {s} does not exist yet; it will be reported until it does", err=True)
        keys.append(source_key(s))
    with _store(db) as store:
        w = store.add_watch(vendor, keys, policy_ref)
    click.echo(f"watching {w.vendor}: {len(w.sources)} source{'s' if len(w.sources) != 1 else ''}"
               f" · policy {w.policy or 'default'}")


@watch.command("list")
@_db_option
def watch_list(db):
    """The watched vendors and their sources."""
    with _store(db) as store:
        watches = store.watches()
        if not watches:
            click.echo("no watches (add one with: termsgap watch add VENDOR SOURCE...)")
            return
        for w in watches:
            last = store.latest_run_id(w.vendor)
            click.echo(f"{w.vendor} · policy {w.policy or 'default'} · last run {last if last else 'none'}")
            for s in w.sources:
                click.echo(f"  {s}")


@watch.command("remove")
@click.argument("vendor")
@click.argument("sources", nargs=-1)
@_db_option
def watch_remove(vendor, sources, db):
    """Stop watching VENDOR (or only some of its SOURCES). Its history stays."""
    from ..history import source_key

    with _store(db) as store:
        n = store.remove_watch(vendor, [source_key(s) for s in sources] if sources else None)
    if not n:
        fail(f"no watch for {vendor!r}" + (" with those sources" if sources else ""))
    click.echo(f"removed {n} source{'s' if n != 1 else ''} of {vendor}")


# --------------------------------------------------------------------------- recheck

@click.command()
@click.option("--vendor", "vendors", multiple=True, help="Only this vendor (repeatable; default: all watches).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write report.json, report.html, changes.json and changes.html per vendor into DIR/<vendor>/.")
@_db_option
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="changed", show_default=True,
              help="changed: exit 3 on changed terms, 4 on a worse verdict; worse: only 4; never: always 0.")
@click.option("--waivers", "waivers_path", type=click.Path(dir_okay=False), default=None,
              help="Waivers YAML (default: waivers.yaml in the current folder, if present).")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=30.0, show_default=True,
              help="Seconds per HTTP request.")
@click.option("--quiet", "-q", is_flag=True, help="No terminal change report.")
def recheck(vendors, out_dir, db, fail_on, waivers_path, timeout, quiet):
    """Fetch every watched source, re-check what changed, store the run, report the semantic changes.

    \b
    Exit codes: 0 nothing changed; 3 terms changed without a worse verdict; 4 a verdict got worse;
    2 a source could not be fetched or read, or a usage error. --fail-on picks what fails the job:
      changed (default)  3 and 4 as above
      worse              4 on a worse verdict, 0 when terms only changed
      never              0 for any change

    Environment: TERMSGAP_DB (--db), TERMSGAP_MAX_INPUT_BYTES and TERMSGAP_MAX_DOCX_INFLATED (limits on
    each document read).
    """
    from ..history import HistoryError, check_store
    from ..history import recheck as run_recheck
    from ..report import write_reports
    from ..report.changes import change_text, write_change_reports

    with _store(db, "; nothing was fetched or stored") as store:
        watches = store.watches(list(vendors) or None)
        if not watches:
            fail("no watches" + (f" for {', '.join(vendors)}" if vendors else "") +
                 " (add one with: termsgap watch add VENDOR SOURCE...)")
        plans = []  # everything that can fail is checked before the first source is fetched
        for w in watches:
            policy = resolve_policy(w.policy, f"watch {w.vendor!r}: policy")
            plans.append((w, policy, waivers_or_fail(waivers_path, [q.id for q in policy.load_checklist().questions])))
        check_store(store, watches)
        codes = []
        for i, (w, policy, waivers) in enumerate(plans):

            def progress(source, fx):
                if not fx.ok:
                    click.echo(f"termsgap: {w.vendor}: {source}: {fx.error}", err=True)
            try:
                outcome = run_recheck(store, w, policy, waivers=waivers, timeout=timeout, progress=progress)
            except HistoryError as exc:
                fail(f"{exc}; the recheck of {w.vendor} was not stored")
            code = outcome.report.exit_code(fail_on)
            codes.append(code)
            if not quiet:
                if i:
                    click.echo("")
                click.echo(change_text(outcome.report, fail_on))
            if out_dir:
                target = Path(out_dir) / _slug(w.vendor)
                written = write_reports(outcome.result, target, ("json", "html"))
                written += write_change_reports(outcome.report, target, ("json", "html"), fail_on)
                if not quiet:
                    click.echo("reports: " + ", ".join(str(p) for p in written))
    for wanted in (ExitCode.WORSE, ExitCode.CHANGED, ExitCode.USAGE):
        if wanted in codes:
            sys.exit(wanted)
    sys.exit(ExitCode.OK)


# --------------------------------------------------------------------------- history

@click.group()
def history() -> None:
    """Stored scans and rechecks, and the changes between them."""


def _run_id(store, ref: str, vendor: str | None = None) -> int:
    if ref in ("latest", "last"):
        rid = store.latest_run_id(vendor)
        if rid is None:
            fail("no runs in history" + (f" for {vendor}" if vendor else ""))
        return rid
    try:
        return int(ref)
    except ValueError:
        fail(f"not a run id: {ref!r} (a number from 'termsgap history list', or 'latest')")


@history.command("list")
@click.option("--vendor", default=None, help="Only this vendor.")
@click.option("--limit", "-n", type=click.IntRange(1, None), default=50, show_default=True,
              help="Newest runs shown at most.")
@_db_option
def history_list(vendor, limit, db):
    """Runs, newest first: id, time, kind, vendor, documents, policy, change flags."""
    from ..history.store import SUMMARY_UNREADABLE

    with _store(db) as store:
        runs = store.runs(vendor, limit)
        path = store.path
    if not runs:
        click.echo("no runs in history")
        return
    rows = [("run", "created", "kind", "vendor", "docs", "policy", "change")]
    for r in runs:
        if r.problem:
            click.echo(f"termsgap: {path}: run {r.id} is damaged ({r.problem})", err=True)
        if r.problem == SUMMARY_UNREADABLE:
            continue
        flag = "worse" if r.worse else ("changed" if r.changed else ("baseline" if r.baseline_run is None else "-"))
        rows.append((str(r.id), r.created, r.kind, r.vendor or "-", str(r.documents), r.policy, flag))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    if any(r.problem for r in runs):
        sys.exit(ExitCode.USAGE)


@history.command("show")
@click.argument("run")
@_db_option
def history_show(run, db):
    """One run: its summary, where each document came from, and what changed against the run before."""
    from ..history import HistoryError
    from ..report import summary_text
    from ..report.changes import change_text

    damaged = changes = None
    with _store(db) as store:
        sr = store.run(_run_id(store, run), facts=False)
        try:
            changes = store.change_report(sr)
        except HistoryError as exc:  # the rest of the run is still worth showing
            damaged = exc
    click.echo(f"run {sr.info.id} · {sr.info.kind} · analyser {sr.info.analyser}")
    click.echo(summary_text(sr.result))
    click.echo("")
    click.echo("documents:")
    for d in sr.documents:
        how = d.fetch_status or "-"
        if d.http_status:
            how += f" HTTP {d.http_status}"
        click.echo(f"  {d.source} · {d.status} · {how} · {d.fetched or '-'} · sha256 {(d.sha256 or '-')[:16]}"
                   + (f" · {d.error}" if d.error else ""))
    if changes is not None:
        click.echo("")
        click.echo(change_text(changes))
    if damaged is not None:
        fail(str(damaged))


@history.command("diff")
@click.argument("run_a")
@click.argument("run_b")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Also write changes.json and changes.html into DIR.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON change report instead of the summary.")
@_db_option
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="changed", show_default=True,
              help="Which change sets the exit code, as for recheck.")
def history_diff(run_a, run_b, out_dir, as_json, db, fail_on):
    """The semantic change report from RUN_A to RUN_B (clauses aligned by text, facts and verdicts).

    Exits as recheck does: 0 nothing changed, 3 terms changed, 4 a verdict got worse (see --fail-on)."""
    from ..history import diff_runs
    from ..report.changes import change_text, render_json, write_change_reports

    with _store(db) as store:
        a, b = store.run(_run_id(store, run_a)), store.run(_run_id(store, run_b))
    if (a.info.vendor or "") != (b.info.vendor or ""):
        click.echo(f"termsgap: warning: run {a.info.id} is of {a.info.vendor or 'no vendor'} and run {b.info.id} of "
                   f"{b.info.vendor or 'no vendor'}: the differences may be between vendors, not versions", err=True)
    report = diff_runs(a, b)
    click.echo(render_json(report).decode() if as_json else change_text(report, fail_on), nl=not as_json)
    if out_dir:
        written = write_change_reports(report, Path(out_dir), ("json", "html"))
        click.echo("reports: " + ", ".join(str(p) for p in written), err=as_json)
    sys.exit(report.exit_code(fail_on))


# --------------------------------------------------------------------------- waive

@click.command()
@click.argument("question")
@click.option("--vendor", required=True, help="The vendor whose finding is accepted.")
@click.option("--reason", required=True, help="Why the gap is accepted.")
@click.option("--approver", required=True, help="Who accepted it.")
@click.option("--expires", required=True, help="Last day the waiver applies (YYYY-MM-DD).")
@click.option("--source", default=None, help="Only the finding of this document (when the vendor has several).")
@click.option("--waivers", "waivers_path", type=click.Path(dir_okay=False), default="waivers.yaml",
              show_default=True, help="Waivers YAML to append to (created when missing).")
@_db_option
def waive(question, vendor, reason, approver, expires, source, waivers_path, db):
    """Accept QUESTION's finding for VENDOR, bound to the evidence of the vendor's latest run.

    The waiver applies (verdict 'waived') until --expires and only while the finding still rests on the same
    evidence sentences: when the vendor changes the clause, the finding gets its own verdict back and the
    report says why.
    """
    from ..history import source_key
    from ..models import Verdict, Waiver
    from ..policy.waivers import WaiverError, append_waiver

    try:
        until = date.fromisoformat(expires)
    except ValueError:
        fail(f"--expires: not a date (YYYY-MM-DD): {expires!r}")
    if until < date.today():
        fail(f"--expires {expires} is in the past")
    known = [q.id for q in resolve_policy(None).load_checklist().questions]
    if question not in known:
        fail(f"unknown question {question!r} (see: termsgap policy list)")
    with _store(db) as store:
        rid = store.latest_run_id(vendor)
        if rid is None:
            fail(f"no run for vendor {vendor!r} in history; scan or recheck it first")
        sr = store.run(rid, facts=False)
    vendor_name = sr.info.vendor or vendor
    found = []
    for sd, dr in zip(sr.documents, sr.result.documents):
        if dr.status != "ok" or (source and source not in (sd.source, sd.key, source_key(source))):
            continue
        for f in dr.findings:
            if f.question == question and f.verdict not in (Verdict.COMPLIANT, Verdict.WAIVED):
                found.append((sd.source, f))
    if not found:
        fail(f"{question} has no finding to waive for {vendor_name} in run {rid}"
             + (f" from {source}" if source else "") + " (compliant or already waived?)")
    groups = {tuple(sorted({e.fingerprint for e in f.evidence})) for _, f in found}
    if len(groups) > 1:
        fail(f"{question} rests on different evidence in several documents of run {rid}; pick one with --source: "
             + ", ".join(s for s, _ in found))
    fps = groups.pop()
    w = Waiver(question=question, vendor=vendor_name, reason=reason, approver=approver, expires=until.isoformat(),
               fingerprints=fps)
    try:
        path = append_waiver(waivers_path, w, created=date.today())
    except WaiverError as exc:
        fail(str(exc))
    verdicts = ", ".join(sorted({f.verdict.value for _, f in found}))
    click.echo(f"waived {question} ({verdicts}) for {vendor_name} until {until} in {path}; bound to "
               f"{len(fps)} evidence sentence{'s' if len(fps) != 1 else ''} of run {rid}"
               + ("" if fps else " (the question is not addressed: the waiver lapses when the vendor addresses it)"))


def register(group: click.Group) -> None:
    for command in (watch, recheck, history, waive):
        group.add_command(command)
