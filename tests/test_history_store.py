"""The history database: migrations, one transaction per run (a killed recheck leaves nothing), concurrency."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from termsgap.cli import main
from termsgap.cli.common import resolve_policy
from termsgap.history import HistoryError, Store, recheck, source_key
from termsgap.history import store as store_mod

SAMPLE = Path(__file__).parents[1] / "contracts_samples" / "cinder-customisation-terms.md"


def cli(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def counts(db: Path) -> dict[str, int]:
    c = sqlite3.connect(db)
    try:
        return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("runs", "run_documents", "findings", "snapshots", "analyses", "fetch_state")}
    finally:
        c.close()


@pytest.fixture
def watched(tmp_path):
    doc = tmp_path / "cinder.md"
    shutil.copyfile(SAMPLE, doc)
    db = tmp_path / "h.db"
    assert cli("watch", "add", "Cinder", str(doc), "--db", str(db)).exit_code == 0
    return doc, db


def test_migrations_recorded_wal_and_newer_schema_refused(tmp_path):
    db = tmp_path / "h.db"
    with Store(db) as s:
        assert s.schema_version() == store_mod.SCHEMA_VERSION
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    with Store(db) as s:  # reopening applies nothing twice
        assert [r[0] for r in s.conn.execute("SELECT version FROM schema_migrations")] == [1]
        s.conn.execute("INSERT INTO schema_migrations VALUES (99, 'from the future', 'x')")
    with pytest.raises(HistoryError, match="newer than this termsgap"):
        Store(db)
    garbage = tmp_path / "not-a-db.db"
    garbage.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(HistoryError):
        Store(garbage)


def test_default_path_honours_env(tmp_path, monkeypatch):
    monkeypatch.setenv("TERMSGAP_DB", str(tmp_path / "x" / "h.db"))
    assert store_mod.default_db_path() == tmp_path / "x" / "h.db"
    monkeypatch.delenv("TERMSGAP_DB")
    assert store_mod.default_db_path().parts[-3:] == ("share", "termsgap", "history.db") or \
        store_mod.default_db_path().name == "history.db"


def test_watch_add_list_remove(tmp_path):
    db = str(tmp_path / "h.db")
    doc = tmp_path / "a.md"
    doc.write_text("x")
    assert cli("watch", "add", "OpenAI", "https://vendor.example/dpa", str(doc), "--policy", "strict-eu",
               "--db", db).exit_code == 0
    out = cli("watch", "list", "--db", db).output
    assert "OpenAI · policy strict-eu" in out and "https://vendor.example/dpa" in out and str(doc.resolve()) in out
    assert cli("watch", "remove", "OpenAI", "https://vendor.example/dpa", "--db", db).exit_code == 0
    assert "vendor.example" not in cli("watch", "list", "--db", db).output
    assert cli("watch", "remove", "OpenAI", "--db", db).exit_code == 0
    assert "no watches" in cli("watch", "list", "--db", db).output
    assert cli("watch", "remove", "Nobody", "--db", db).exit_code == 2
    assert cli("recheck", "--db", db).exit_code == 2


def test_unchanged_document_is_not_reanalysed(watched, monkeypatch):
    doc, db = watched
    assert cli("recheck", "--db", str(db)).exit_code == 0
    import termsgap.engine as engine
    calls = []
    real = engine.analyse
    monkeypatch.setattr(engine, "analyse", lambda *a, **k: calls.append(a) or real(*a, **k))
    res = cli("recheck", "--db", str(db))
    assert res.exit_code == 0 and "no semantic change" in res.output and calls == []
    doc.write_text(doc.read_text().replace("within 7 days", "within 90 days"))
    res = cli("recheck", "--db", str(db))
    assert len(calls) == 1 and res.exit_code in (3, 4)
    assert counts(db)["snapshots"] == 2 and counts(db)["runs"] == 3


def test_exception_inside_the_transaction_leaves_no_partial_run(watched, monkeypatch):
    doc, db = watched
    assert cli("recheck", "--db", str(db)).exit_code == 0
    before = counts(db)
    doc.write_text(doc.read_text() + "\n\n9.9 Cinder may change these terms at any time.\n")

    def boom(c, run_id, pos, dr):
        raise RuntimeError("killed mid-write")
    monkeypatch.setattr(Store, "_insert_findings", staticmethod(boom))
    with Store(db) as s, pytest.raises(RuntimeError):
        recheck(s, s.watch("Cinder"), resolve_policy(None))
    assert counts(db) == before  # no run, no snapshot, no analysis, no fetch state of the failed recheck
    monkeypatch.undo()
    res = cli("recheck", "--db", str(db))
    assert res.exit_code in (3, 4) and counts(db)["runs"] == 2


KILLER = textwrap.dedent("""
    import os, signal, sys
    from termsgap.history.store import Store
    real = Store._insert_findings
    def die(c, run_id, pos, dr):
        real(c, run_id, pos, dr)          # rows of the run are written, not committed
        os.kill(os.getpid(), signal.SIGKILL)
    Store._insert_findings = staticmethod(die)
    from termsgap.cli import main
    main(["recheck", "--db", sys.argv[1]])
""")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_recheck_process_leaves_no_partial_run_and_db_opens(watched):
    doc, db = watched
    assert cli("recheck", "--db", str(db)).exit_code == 0
    before = counts(db)
    doc.write_text(doc.read_text() + "\n\n9.9 Cinder may change these terms at any time.\n")
    proc = subprocess.run([sys.executable, "-c", KILLER, str(db)], capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    with Store(db) as s:
        assert s.integrity_ok()
        assert [r.id for r in s.runs()] == [1]
    assert counts(db) == before
    res = cli("recheck", "--db", str(db))
    assert res.exit_code in (3, 4), res.output
    assert counts(db)["runs"] == 2


RECHECK = "import sys; from termsgap.cli import main; main(['recheck', '-q', '--db', sys.argv[1]])"


def test_two_concurrent_rechecks_both_succeed(tmp_path):
    db = tmp_path / "h.db"
    docs = []
    for i in range(3):
        d = tmp_path / f"doc{i}.md"
        d.write_text(SAMPLE.read_text().replace("Cinder", f"Cinder{i}"))
        docs.append(str(d))
    assert cli("watch", "add", "Cinder", *docs, "--db", str(db)).exit_code == 0
    procs = [subprocess.Popen([sys.executable, "-c", RECHECK, str(db)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(2)]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1].decode()[-1500:] for o in outs]
    with Store(db) as s:
        assert s.integrity_ok()
        runs = s.runs()
        assert len(runs) == 2 and all(r.documents == 3 for r in runs)
        newest = s.run(runs[0].id)
        assert newest.info.baseline_run == runs[1].id and not newest.info.changed
        assert {d.key for d in newest.documents} == {source_key(d) for d in docs}
    assert counts(db)["analyses"] == 3  # each document analysed once per checklist, however many runs
