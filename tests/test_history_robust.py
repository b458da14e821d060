"""An unusable history database never costs a scan and never prints a traceback.

Read-only, full, locked, damaged (a broken page, truncated, not SQLite at all), a damaged row and a schema from a
newer termsgap: every command that touches the history says so in ONE line `termsgap: <db>: <problem>`; `scan`
still writes its reports and keeps its exit code; `recheck` stops before fetching anything and leaves the
database byte for byte as it was.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import termsgap.history as history_pkg
from termsgap.cli import main
from termsgap.history import store as store_mod

SAMPLE = Path(__file__).parents[1] / "contracts_samples" / "cinder-customisation-terms.md"
QUESTION = "training.customer-content"  # a gap in the sample, so it can be waived

READS = [("watch", "list"), ("history", "list"), ("history", "show", "1"), ("history", "diff", "1", "2")]
WRITES = [("watch", "add", "Other", "{doc}"), ("watch", "remove", "Cinder"), ("recheck", "-q")]
WAIVE = ("waive", QUESTION, "--vendor", "Cinder", "--reason", "accepted", "--approver", "dpo",
         "--expires", "2099-12-31", "--waivers", "{tmp}/waivers.yaml")
SCAN = ("scan", "{doc}", "--vendor", "Cinder", "--out", "{tmp}/reports", "--format", "json", "-q")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A history with a watch, a recheck (run 1) and a scan (run 2) of one document; the scan's exit code."""
    d = tmp_path_factory.mktemp("base")
    doc = d / "cinder.md"
    shutil.copyfile(SAMPLE, doc)
    db = d / "h.db"
    assert invoke("watch", "add", "Cinder", doc, "--db", db).exit_code == 0
    assert invoke("recheck", "-q", "--db", db).exit_code == 0
    res = invoke("scan", doc, "--vendor", "Cinder", "--out", d / "r", "--format", "json", "-q", "--db", db)
    assert res.exit_code in (0, 1), res.output
    return doc, db, res.exit_code


@pytest.fixture
def db(base, tmp_path):
    """A fresh copy of the base history for one test."""
    target = tmp_path / "history" / "h.db"
    target.parent.mkdir()
    shutil.copyfile(base[1], target)
    return target


@pytest.fixture
def no_fetch(monkeypatch):
    """Fails the test if a recheck fetches anything."""
    calls = []
    monkeypatch.setattr(history_pkg, "fetch", lambda *a, **k: calls.append(a) or pytest.fail("fetched " + str(a)))
    return calls


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def command(args, doc, tmp, db) -> list[str]:
    return [a.format(doc=doc, tmp=tmp) for a in args] + ["--db", str(db)]


def state(db: Path) -> tuple[str, bytes]:
    """The database file's bytes (hash) and any write-ahead log content."""
    wal = db.with_name(db.name + "-wal")
    return hashlib.sha256(db.read_bytes()).hexdigest(), wal.read_bytes() if wal.exists() else b""


def errors(res) -> list[str]:
    return (res.stderr if hasattr(res, "stderr") else res.output).strip().splitlines()


def no_traceback(res, args) -> None:
    assert res.exception is None or isinstance(res.exception, SystemExit), \
        f"{args}: {type(res.exception).__name__}: {res.exception}"


def one_line(res, db, args, *words) -> str:
    """Exit 2 and one stderr line `termsgap: <db>: <problem>` containing `words`."""
    no_traceback(res, args)
    lines = errors(res)
    assert res.exit_code == 2 and len(lines) == 1, (args, res.exit_code, lines)
    assert lines[0].startswith(f"termsgap: {db}: "), (args, lines)
    for w in words:
        assert w in lines[0], (args, lines)
    return lines[0]


def fine_or_one_line(res, db, args) -> None:
    """A command that may not need the broken part: it works, or says why not in one line."""
    no_traceback(res, args)
    if res.exit_code != 0:
        one_line(res, db, args)


def scan_survives(base, tmp, db, *words) -> None:
    doc, _, code = base
    args = command(SCAN, doc, tmp, db)
    res = invoke(*args)
    no_traceback(res, args)
    assert res.exit_code == code, (res.exit_code, errors(res))  # the scan's own exit code, not the history's
    assert (tmp / "reports" / "report.json").stat().st_size > 0
    lines = errors(res)
    assert len(lines) == 1 and lines[0].startswith(f"termsgap: {db}: ") and "not stored" in lines[0], lines
    for w in words:
        assert w in lines[0], lines


def recheck_stops(db, tmp, no_fetch, *words) -> None:
    before = state(db)
    res = invoke("recheck", "-q", "--out", tmp / "recheck", "--db", db)
    one_line(res, db, "recheck", *words)
    assert no_fetch == [] and not (tmp / "recheck").exists()
    assert state(db) == before


# --------------------------------------------------------------------------- damaged database

def damage_runs_page(db: Path) -> None:
    """Overwrite the page that holds the runs table with garbage (bytes in the middle of the file)."""
    c = sqlite3.connect(db)
    page_size = c.execute("PRAGMA page_size").fetchone()[0]
    root = c.execute("SELECT rootpage FROM sqlite_master WHERE name = 'runs'").fetchone()[0]
    c.close()
    assert 1 < root < db.stat().st_size // page_size
    with open(db, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xde\xad\xbe\xef" * (page_size // 4))


DAMAGE = {
    "broken page": damage_runs_page,
    "truncated": lambda db: os.truncate(db, db.stat().st_size // 3),
    "not sqlite": lambda db: db.write_bytes(b"just some text, not a database\n" * 200),
}


@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_database(kind, base, db, tmp_path, no_fetch):
    DAMAGE[kind](db)
    for args in READS + WRITES[:2] + [WAIVE]:
        args = command(args, base[0], tmp_path, db)
        fine_or_one_line(invoke(*args), db, args)
    for args in (("history", "list"), ("history", "show", "2"), ("watch", "list")):
        one_line(invoke(*command(args, base[0], tmp_path, db)), db, args)
    recheck_stops(db, tmp_path, no_fetch)
    scan_survives(base, tmp_path, db)


# --------------------------------------------------------------------------- a schema from the future

def test_newer_schema(base, db, tmp_path, no_fetch):
    c = sqlite3.connect(db)
    c.execute("INSERT INTO schema_migrations VALUES (99, 'from a newer termsgap', '2099-01-01')")
    c.commit()
    c.close()
    for args in READS + WRITES[:2] + [WAIVE]:
        one_line(invoke(*command(args, base[0], tmp_path, db)), db, args, "schema version 99", "upgrade")
    recheck_stops(db, tmp_path, no_fetch, "schema version 99")
    scan_survives(base, tmp_path, db, "schema version 99")


# --------------------------------------------------------------------------- read-only

def writable(path: Path) -> bool:
    try:
        if path.is_dir():
            (path / "probe").touch()
            (path / "probe").unlink()
        else:
            open(path, "r+b").close()
        return True
    except PermissionError:
        return False


@pytest.mark.parametrize("what", ["file", "folder"])
def test_read_only(what, base, db, tmp_path, no_fetch, monkeypatch):
    target = db if what == "file" else db.parent
    target.chmod(0o444 if what == "file" else 0o555)
    try:
        if writable(target):
            # root: the mode bits do not bind; open the database the way SQLite does when it may not write it
            real = sqlite3.connect
            monkeypatch.setattr(sqlite3, "connect", lambda p, *a, **k: real(
                f"file:{p}?mode=ro", *a, uri=True, **k) if str(p) == str(db) else real(p, *a, **k))
        for args in READS:
            fine_or_one_line(invoke(*command(args, base[0], tmp_path, db)), db, args)
        for args in WRITES[:2]:
            one_line(invoke(*command(args, base[0], tmp_path, db)), db, args, "read-only")
        recheck_stops(db, tmp_path, no_fetch, "read-only")
        scan_survives(base, tmp_path, db, "read-only")
    finally:
        target.chmod(0o644 if what == "file" else 0o755)
    if what == "file":  # reading a read-only history works
        res = invoke("history", "list", "--db", db)
        assert res.exit_code == 0 and "recheck" in res.output


# --------------------------------------------------------------------------- full disk

def test_disk_full(base, db, tmp_path, monkeypatch):
    """SQLite's max_page_count caps the file at its current size: the next new page fails with SQLITE_FULL."""
    real = sqlite3.connect

    def capped(p, *a, **k):
        conn = real(p, *a, **k)
        if str(p) == str(db):
            conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
        return conn
    monkeypatch.setattr(sqlite3, "connect", capped)
    many = [f"https://vendor.example/terms/{i}/" + "x" * 400 for i in range(400)]  # more than any free pages hold
    one_line(invoke("watch", "add", "Bigco", *many, "--db", db), db, "watch add", "disk full")
    before = state(db)
    res = invoke("recheck", "-q", "--out", tmp_path / "rc", "--db", db)
    one_line(res, db, "recheck", "disk full", "not stored")
    assert state(db) == before
    scan_survives(base, tmp_path, db, "disk full")
    monkeypatch.undo()
    res = invoke("watch", "list", "--db", db)
    assert res.exit_code == 0 and "Bigco" not in res.output
    assert [line.split()[0] for line in invoke("history", "list", "--db", db).output.splitlines()] == ["run", "2", "1"]


# --------------------------------------------------------------------------- locked

def test_locked(base, db, tmp_path, no_fetch, monkeypatch):
    """Another process holds the write lock longer than the retry budget (shortened here)."""
    monkeypatch.setattr(store_mod, "BUSY_TIMEOUT_MS", 300)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        for args in WRITES[:2]:
            one_line(invoke(*command(args, base[0], tmp_path, db)), db, args, "locked")
        recheck_stops(db, tmp_path, no_fetch, "locked")
        scan_survives(base, tmp_path, db, "locked")
        for args in READS + [WAIVE]:  # reading does not wait for a writer
            res = invoke(*command(args, base[0], tmp_path, db))
            assert res.exit_code in ((0, 3, 4) if "diff" in args else (0,)), (args, errors(res))  # diff: as recheck
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# --------------------------------------------------------------------------- damaged rows

def test_damaged_analysis_row(base, db, tmp_path, no_fetch):
    """The stored analysis (clauses and facts as JSON) of the watched document is not valid JSON."""
    c = sqlite3.connect(db)
    c.execute("UPDATE analyses SET facts_json = '{\"source\": \"cut off mid-wr'")
    c.commit()
    c.close()
    recheck_stops(db, tmp_path, no_fetch, "run 2", "damaged")
    one_line(invoke("history", "diff", "1", "2", "--db", db), db, "diff", "run 1", "damaged")
    scan_survives(base, tmp_path, db, "run 2", "damaged")
    for args in (("history", "show", "2"), ("history", "list"), ("watch", "list"), WAIVE):  # need no analysis
        res = invoke(*command(args, base[0], tmp_path, db))
        assert res.exit_code == 0, (args, errors(res))


def test_damaged_run_rows(base, db, tmp_path):
    """Run 1's stored result and run 2's stored change report are not valid JSON."""
    c = sqlite3.connect(db)
    c.execute("UPDATE runs SET result_json = '{\"broken' WHERE id = 1")
    c.execute("UPDATE runs SET changes_json = '[1, 2' WHERE id = 2")
    c.commit()
    c.close()
    res = invoke("history", "list", "--db", db)
    no_traceback(res, "list")
    assert res.exit_code == 2
    assert [line.split()[0] for line in res.stdout.splitlines()] == ["run", "2", "1"]  # both summaries are readable
    assert errors(res) == [f"termsgap: {db}: run 2 is damaged (its change report is not valid JSON)",
                           f"termsgap: {db}: run 1 is damaged (its result is not valid JSON)"]
    one_line(invoke("history", "show", "1", "--db", db), db, "show 1", "run 1", "damaged", "result")
    one_line(invoke("history", "diff", "1", "2", "--db", db), db, "diff", "run 1", "damaged")
    res = invoke("history", "show", "2", "--db", db)  # what can be read is shown, then the damaged part is named
    one_line(res, db, "show 2", "run 2", "change report")
    assert "documents:" in res.stdout and "cinder.md" in res.stdout
    c = sqlite3.connect(db)
    c.execute("UPDATE runs SET created = x'00ff' WHERE id = 1")  # a blob where a time stamp belongs
    c.execute("UPDATE runs SET result_json = 'nonsense' WHERE id = 2")
    c.commit()
    c.close()
    res = invoke("history", "list", "--db", db)
    no_traceback(res, "list")
    assert res.exit_code == 2 and [line.split()[0] for line in res.stdout.splitlines()] == ["run", "2"]
    assert errors(res) == [f"termsgap: {db}: run 2 is damaged (its result is not valid JSON)",
                           f"termsgap: {db}: run 1 is damaged (its summary columns cannot be read)"]
    one_line(invoke(*command(WAIVE, base[0], tmp_path, db)), db, "waive", "run 2", "damaged")


# --------------------------------------------------------------------------- a watched folder that cannot be listed

def test_unlistable_watched_folder_is_that_sources_error(tmp_path, monkeypatch):
    folder = tmp_path / "terms"
    folder.mkdir()
    shutil.copyfile(SAMPLE, folder / "cinder.md")
    db = tmp_path / "h.db"
    assert invoke("watch", "add", "Cinder", folder, "--db", db).exit_code == 0
    folder.chmod(0)
    try:
        if writable(folder):  # root: the mode bits do not bind
            real = os.listdir
            monkeypatch.setattr(os, "listdir", lambda p=".": (_ for _ in ()).throw(
                PermissionError(13, "Permission denied", str(p))) if str(p) == str(folder) else real(p))
        res = invoke("recheck", "-q", "--db", db)
    finally:
        folder.chmod(0o755)
    no_traceback(res, "recheck")
    assert res.exit_code == 2 and errors(res) == [f"termsgap: Cinder: {folder}: cannot list the folder "
                                                  "(Permission denied)"]
