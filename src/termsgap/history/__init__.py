"""History beside the pipeline: watched sources, stored runs, re-checks and the change reports between them.

    from termsgap.history import Store, recheck, record_scan, diff_runs
    with Store(db) as store:
        store.add_watch("OpenAI", [source_key("contracts/openai-dpa.pdf")], "default")
        outcome = recheck(store, store.watch("OpenAI"), policy, waivers=waivers)
        print(outcome.report.exit_code("changed"))

A recheck fetches every source of a watch (conditional requests for URLs), re-analyses only documents whose
SHA-256 it has not analysed before with the same checklist, judges them under the watch's policy, applies the
waivers, and stores the run together with its change report against the vendor's previous state in one
transaction. A source that cannot be fetched becomes an `error` document; the baseline for the next recheck is
then the last run in which that source was read.
"""
from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Optional

from .. import __version__
from ..models import DocumentFacts, RunResult, Waiver
from .diff import ChangeReport, RunRef, build_report
from .fetch import DEFAULT_TIMEOUT, Fetched, expand_source, fetch, source_key
from .store import HistoryError, RunDocument, Store, StoredRun, Watch, _Pending, default_db_path, now_iso

__all__ = ["Store", "HistoryError", "Watch", "StoredRun", "RecheckOutcome", "default_db_path", "analyser_key",
           "check_store", "recheck", "record_scan", "diff_runs", "source_key", "expand_source", "ChangeReport"]


def analyser_key(checklist) -> str:
    """Which reader produced an analysis: termsgap version + hash of the checklist it answered + the learned
    reader's fingerprint."""
    from ..learn.model import load_model

    digest = hashlib.sha256(checklist.model_dump_json().encode()).hexdigest()[:12]
    return f"{__version__}+{digest}+{load_model().fingerprint}"


def analyse_bytes(data: bytes, suffix: str, source: str, checklist, *, ocr: bool = False) -> DocumentFacts:
    """Analyse raw bytes exactly as hashed (not the file, which may change meanwhile), reported as `source`."""
    from ..engine import analyse

    name = Path(source.split("?", 1)[0].rstrip("/")).name or "document"
    if suffix and not name.lower().endswith(suffix):
        name = Path(name).stem + suffix
    with tempfile.TemporaryDirectory(prefix="termsgap-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        df = analyse(path, checklist, ocr=ocr)
    return df.model_copy(update={"source": source})


@dataclass(frozen=True)
class RecheckOutcome:
    vendor: str
    run_id: int
    result: RunResult
    report: ChangeReport
    fetches: tuple[Fetched, ...]


def _baseline_compare(vendor: Optional[str], result: RunResult, docs: list[RunDocument]
                      ) -> Callable[[Store, int], _Pending]:
    """The change report of a new run against the vendor's previous state, computed inside the write."""

    def compare(store: Store, run_id: int) -> _Pending:
        prev = store.latest_run_id(vendor, before=run_id)
        cache: dict[int, StoredRun] = {}

        def stored(rid: int) -> StoredRun:
            if rid not in cache:
                cache[rid] = store.run(rid)
            return cache[rid]

        pairs = []
        keys = set()
        for d, dr in zip(docs, result.documents):
            keys.add(d.key)
            before = None
            loc = store.last_ok_document(vendor, d.key, run_id) if prev is not None else None
            if loc is not None:
                old = stored(loc[0])
                before = (old.result.documents[loc[1]], old.documents[loc[1]].facts)
            pairs.append((d.key, before, (dr, d.facts if d.facts.status == "ok" else None)))
        before_ref = None
        if prev is not None:
            old = stored(prev)
            before_ref = RunRef(id=prev, created=old.result.created, policy=old.info.policy)
            for sd, dr in zip(old.documents, old.result.documents):
                if sd.key not in keys:
                    pairs.append((sd.key, (dr, sd.facts), None))
        report = build_report(vendor, before_ref, RunRef(id=run_id, created=result.created,
                                                         policy=f"{result.policy.name} {result.policy.version}"),
                              pairs)
        compare.report = report
        return _Pending(baseline_run=prev, changed=report.changed, worse=report.worse,
                        changes_json=report.model_dump_json())

    return compare


def check_store(store: Store, watches: Iterable[Watch]) -> None:
    """Before a recheck fetches anything: the database passes SQLite's quick check, takes a write, and every run
    the rechecks will compare against (each vendor's latest run and the last run that read each source) can be
    read. Raises HistoryError otherwise; the database is left as it was."""
    store.check_usable()
    for w in watches:
        latest = store.latest_run_id(w.vendor)
        if latest is None:
            continue
        runs = {latest}
        for src in w.sources:
            for s in expand_source(src):
                loc = store.last_ok_document(w.vendor, source_key(s), latest + 1)
                if loc is not None:
                    runs.add(loc[0])
        for rid in sorted(runs):
            store.run(rid)


def recheck(store: Store, watch: Watch, policy, *, waivers: Iterable[Waiver] = (), today: date | None = None,
            timeout: float = DEFAULT_TIMEOUT, ocr: bool = False,
            progress: Optional[Callable[[str, Fetched], None]] = None) -> RecheckOutcome:
    """Fetch, analyse (only what is new), judge, apply waivers and store one run for `watch.vendor`."""
    from ..engine import judge_all

    checklist = policy.load_checklist()
    key = analyser_key(checklist)
    docs: list[RunDocument] = []
    fetches = []
    for src in watch.sources:
        for s in expand_source(src):
            k = source_key(s)
            state = store.fetch_state(k) or {}
            fx = fetch(s, state, timeout=timeout)
            if fx.status == "not-modified" and fx.content is None and not store.has_snapshot(fx.sha256 or ""):
                fx = fetch(s, None, timeout=timeout)  # a 304 for something we no longer hold: ask again in full
            fetches.append(fx)
            if progress:
                progress(s, fx)
            stamp = now_iso()
            if not fx.ok:
                docs.append(RunDocument(source=s, key=k, facts=DocumentFacts(source=s, status="error", error=fx.error),
                                        fetched=stamp, fetch_status="error", http_status=fx.http_status))
                continue
            content, suffix = fx.content, fx.suffix
            facts = store.analysis(fx.sha256, key)
            if facts is not None:
                facts = facts.model_copy(update={"source": s})
            else:
                if content is None:
                    content, suffix = store.snapshot(fx.sha256)
                facts = analyse_bytes(content, suffix, s, checklist, ocr=ocr)
            snapshot = content if content is not None and not store.has_snapshot(fx.sha256) else None
            docs.append(RunDocument(source=s, key=k, facts=facts, fetched=stamp, fetch_status=fx.status,
                                    http_status=fx.http_status, snapshot=snapshot, suffix=suffix,
                                    fetch_state=fx.state()))
    result = judge_all([d.facts for d in docs], policy, vendor=watch.vendor, checklist=checklist,
                       waivers=waivers, today=today)
    compare = _baseline_compare(watch.vendor, result, docs)
    run_id = store.write_run(result, docs, kind="recheck", analyser=key, compare=compare)
    return RecheckOutcome(watch.vendor, run_id, result, compare.report, tuple(fetches))


def record_scan(store: Store, facts: list[DocumentFacts], result: RunResult, checklist) -> tuple[int, ChangeReport]:
    """Store a `termsgap scan` run (documents read from local files) with its change report."""
    key = analyser_key(checklist)
    docs = []
    for df in facts:
        snapshot, suffix = None, Path(df.source).suffix.lower()
        if df.status == "ok" and df.sha256 and not store.has_snapshot(df.sha256):
            try:
                data = Path(df.source).read_bytes()
                snapshot = data if hashlib.sha256(data).hexdigest() == df.sha256 else None
            except OSError:
                snapshot = None
        docs.append(RunDocument(source=df.source, key=source_key(df.source), facts=df, fetch_status="local",
                                snapshot=snapshot, suffix=suffix))
    compare = _baseline_compare(result.vendor, result, docs)
    run_id = store.write_run(result, docs, kind="scan", analyser=key, compare=compare)
    return run_id, compare.report


def diff_runs(a: StoredRun, b: StoredRun) -> ChangeReport:
    """The change report between two stored runs, documents matched by source."""
    before = {d.key: (dr, d.facts) for d, dr in zip(a.documents, a.result.documents)}
    after = {d.key: (dr, d.facts) for d, dr in zip(b.documents, b.result.documents)}
    order = list(after) + [k for k in before if k not in after]
    return build_report(b.info.vendor or a.info.vendor,
                        RunRef(id=a.info.id, created=a.result.created, policy=a.info.policy),
                        RunRef(id=b.info.id, created=b.result.created, policy=b.info.policy),
                        [(k, before.get(k), after.get(k)) for k in order])
