"""The history database: watches, raw snapshots, analyses, runs and findings in one SQLite file.

- Default path: `$TERMSGAP_DB`, else `~/.local/share/termsgap/history.db` (platformdirs / XDG); `--db` overrides.
- Schema versioned by numbered migrations recorded in `schema_migrations` (sqlite-utils style); a database
  written by a newer termsgap is refused with a clear message instead of being half-understood.
- WAL journal and a busy timeout, so two rechecks at once queue for the write lock instead of failing; readers
  never wait for a writer (opening a database that needs no migration writes nothing).
- Every problem with the database (read-only, full, locked past the busy timeout, damaged, not SQLite, a newer
  schema, a damaged row) is a `HistoryError` whose str() is one line `<path>: <problem>`; a damaged row names
  its run.
- A run (its documents, findings, the snapshots and analyses it introduced, the fetch state it learned and its
  change report against the previous run) is written in ONE `BEGIN IMMEDIATE` transaction: a recheck killed at
  any point leaves either the whole run or nothing.

Raw snapshots are stored once per SHA-256 (blobs in the `snapshots` table) so a document can be re-extracted
later; analyses (`DocumentFacts` as JSON: clauses with provenance and facts) are stored once per
(SHA-256, analyser), where the analyser key names the termsgap version and the checklist it answered.
"""
from __future__ import annotations

import functools
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional

from ..models import DocumentFacts, RunResult

BUSY_TIMEOUT_MS = 60_000

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "initial schema", """
        CREATE TABLE watches (
            vendor   TEXT PRIMARY KEY,
            policy   TEXT,
            added    TEXT NOT NULL
        );
        CREATE TABLE watch_sources (
            vendor   TEXT NOT NULL REFERENCES watches(vendor) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            source   TEXT NOT NULL,
            PRIMARY KEY (vendor, source)
        );
        CREATE TABLE snapshots (
            sha256     TEXT PRIMARY KEY,
            size       INTEGER NOT NULL,
            suffix     TEXT NOT NULL DEFAULT '',
            content    BLOB NOT NULL,
            first_seen TEXT NOT NULL
        );
        CREATE TABLE analyses (
            sha256     TEXT NOT NULL,
            analyser   TEXT NOT NULL,
            facts_json TEXT NOT NULL,
            created    TEXT NOT NULL,
            PRIMARY KEY (sha256, analyser)
        );
        CREATE TABLE fetch_state (
            source        TEXT PRIMARY KEY,
            etag          TEXT,
            last_modified TEXT,
            sha256        TEXT,
            final_url     TEXT,
            suffix        TEXT,
            checked       TEXT NOT NULL
        );
        CREATE TABLE runs (
            id             INTEGER PRIMARY KEY AUTOINCREMENT,
            vendor         TEXT,
            kind           TEXT NOT NULL CHECK (kind IN ('scan', 'recheck')),
            created        TEXT NOT NULL,
            policy_name    TEXT NOT NULL,
            policy_version TEXT NOT NULL,
            tool_version   TEXT NOT NULL,
            analyser       TEXT NOT NULL,
            baseline_run   INTEGER,
            changed        INTEGER NOT NULL DEFAULT 0,
            worse          INTEGER NOT NULL DEFAULT 0,
            result_json    TEXT NOT NULL,
            changes_json   TEXT
        );
        CREATE INDEX runs_vendor ON runs(vendor, id);
        CREATE TABLE run_documents (
            run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            position     INTEGER NOT NULL,
            source       TEXT NOT NULL,
            key          TEXT NOT NULL,
            sha256       TEXT,
            status       TEXT NOT NULL,
            error        TEXT,
            fetched      TEXT,
            fetch_status TEXT,
            http_status  INTEGER,
            PRIMARY KEY (run_id, position)
        );
        CREATE INDEX run_documents_key ON run_documents(key, run_id);
        CREATE TABLE findings (
            run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            position     INTEGER NOT NULL,
            question     TEXT NOT NULL,
            answer       TEXT NOT NULL,
            value        TEXT,
            verdict      TEXT NOT NULL,
            confidence   REAL NOT NULL,
            fingerprint  TEXT NOT NULL,
            evidence_fps TEXT NOT NULL,
            PRIMARY KEY (run_id, position, question)
        );
    """),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]
SUMMARY_UNREADABLE = "its summary columns cannot be read"  # RunInfo.problem of a run `history list` cannot show


class HistoryError(Exception):
    """A history database that cannot be used; str() is the one-line reason for the user: `<path>: <problem>`."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def _problem(exc: sqlite3.Error) -> str:
    """What an SQLite error means for the user, in a few words."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    detail = " ".join(str(exc).split())
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in detail or "busy" in detail:
        return (f"locked by another termsgap process for more than {BUSY_TIMEOUT_MS / 1000:g} s; "
                "try again when it has finished")
    if name.startswith("SQLITE_READONLY") or "readonly" in detail:
        return "read-only: termsgap cannot write the database file or its folder"
    if name == "SQLITE_FULL" or "disk is full" in detail:
        return "disk full: termsgap cannot write the database"
    if name == "SQLITE_NOTADB" or "not a database" in detail:
        return "not an SQLite database (or damaged beyond reading): check the path, or move the file aside to start " \
            "a new history"
    if name.startswith("SQLITE_CORRUPT") or "malformed" in detail:
        return f"the database is damaged ({detail}); restore a backup or move it aside to start a new history"
    if name.startswith("SQLITE_CANTOPEN"):
        return f"cannot open the database ({detail}): check that its folder exists and is writable"
    return f"database error ({detail})"


def _damaged(path: Path, whose: str, part: str, exc: Exception) -> HistoryError:
    """`<whose> is damaged (<part> is not valid JSON | cannot be read: <why>)` for a stored JSON value."""
    errors = exc.errors() if callable(getattr(exc, "errors", None)) else []  # pydantic's ValidationError
    if isinstance(exc, json.JSONDecodeError) or (errors and errors[0].get("type") == "json_invalid"):
        why = "is not valid JSON"
    elif errors:
        loc = ".".join(str(x) for x in errors[0].get("loc", ()))
        why = f"cannot be read: {loc + ': ' if loc else ''}{errors[0].get('msg')}"
    else:
        why = f"cannot be read: {' '.join(str(exc).split())[:160]}"
    return HistoryError(path, f"{whose} is damaged ({part} {why})")


def _guarded(method):
    """Any SQLite error inside a Store method becomes a HistoryError naming the database."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise HistoryError(self.path, _problem(exc)) from exc
    return wrapper


def default_db_path() -> Path:
    env = os.environ.get("TERMSGAP_DB")
    if env:
        return Path(env).expanduser()
    try:
        from platformdirs import user_data_dir
        base = Path(user_data_dir("termsgap", appauthor=False))
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "termsgap"
    return base / "history.db"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- records

@dataclass(frozen=True)
class Watch:
    vendor: str
    sources: tuple[str, ...]
    policy: Optional[str]
    added: str


@dataclass(frozen=True)
class RunInfo:
    id: int
    vendor: Optional[str]
    kind: str
    created: str
    policy: str
    tool_version: str
    analyser: str
    baseline_run: Optional[int]
    changed: bool
    worse: bool
    documents: int
    problem: Optional[str] = None  # why the run's stored row cannot be read in full ("its result is not ...")


@dataclass(frozen=True)
class StoredDocument:
    """One document of a stored run: where it came from, how it was fetched, and what was read from it."""

    position: int
    source: str
    key: str
    sha256: Optional[str]
    status: str
    error: Optional[str]
    fetched: Optional[str]
    fetch_status: Optional[str]
    http_status: Optional[int]
    facts: Optional[DocumentFacts]


@dataclass(frozen=True)
class StoredRun:
    info: RunInfo
    result: RunResult
    documents: tuple[StoredDocument, ...]
    changes_json: Optional[str] = None


@dataclass
class RunDocument:
    """What a caller hands `write_run` for one document (same order as `result.documents`)."""

    source: str
    key: str
    facts: DocumentFacts
    fetched: Optional[str] = None
    fetch_status: Optional[str] = None       # fetched | not-modified | unchanged | local | error
    http_status: Optional[int] = None
    snapshot: Optional[bytes] = None         # raw bytes, stored once per sha256
    suffix: str = ""
    fetch_state: Optional[dict] = None       # etag / last_modified / final_url to remember for this source


@dataclass
class _Pending:
    """Filled by `write_run`'s callback with the change report for the run being written."""

    baseline_run: Optional[int] = None
    changed: bool = False
    worse: bool = False
    changes_json: Optional[str] = None
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- the store

class Store:
    """A connection to one history database, migrated on open. Use as a context manager or call `close()`."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path).expanduser() if path else default_db_path()
        if self.path.exists() and not self.path.is_file():
            raise HistoryError(self.path, "not a regular file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise HistoryError(self.path, f"{self.path.parent} is not a folder") from None
        except OSError as exc:
            raise HistoryError(self.path, f"cannot create its folder ({exc.strerror or exc})") from None
        try:
            self.conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.Error as exc:
            raise HistoryError(self.path, _problem(exc)) from None
        self.conn.row_factory = sqlite3.Row
        try:
            self._setup()
        except BaseException:
            self.close()
            raise

    @_guarded
    def _setup(self) -> None:
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":  # a new database; reads need no write
            self._retry(lambda: self.conn.execute("PRAGMA journal_mode = WAL"))
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        self._migrate()

    # ----------------------------------------------------------------- plumbing

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:  # closing checkpoints the WAL; a full or read-only disk keeps it for next time
            pass

    @staticmethod
    def _retry(fn: Callable):
        """Call fn, retrying while the database is busy until the busy timeout has passed in all."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        delay = 0.05
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if not ("locked" in str(exc) or "busy" in str(exc)) or time.monotonic() >= deadline:
                    raise
                time.sleep(min(delay, max(deadline - time.monotonic(), 0)))
                delay = min(delay * 2, 1.0)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; any exception rolls everything back."""
        self._retry(lambda: self.conn.execute("BEGIN IMMEDIATE"))
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        """Roll back what is open; SQLite has already done so after a full disk or an I/O error."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _applied(self) -> set[int]:
        if not self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
                                 ).fetchone():
            if self.conn.execute("SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchone():
                raise HistoryError(self.path, "an SQLite database that is not a termsgap history "
                                              "(it has tables but no schema_migrations)")
            return set()
        applied = {r[0] for r in self.conn.execute("SELECT version FROM schema_migrations")}
        newest = max(applied, default=0)
        if newest > SCHEMA_VERSION:
            raise HistoryError(self.path, f"schema version {newest} is newer than this termsgap understands "
                                          f"({SCHEMA_VERSION}); upgrade termsgap")
        return applied

    def _migrate(self) -> None:
        if {v for v, _, _ in MIGRATIONS} <= self._applied():
            return  # up to date: opening writes nothing, so reading works on a read-only or busy database
        with self.transaction() as c:
            c.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                      "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)")
            applied = self._applied()  # again, now under the write lock
            for version, name, sql in MIGRATIONS:
                if version in applied:
                    continue
                for statement in (s.strip() for s in sql.split(";")):
                    if statement:
                        c.execute(statement)
                c.execute("INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)",
                          (version, name, now_iso()))

    @_guarded
    def check_usable(self) -> None:
        """Raise HistoryError unless SQLite's quick check passes and a write can start (it is rolled back, so the
        file is unchanged): read-only, locked and damaged databases are found before any work is done."""
        first = " ".join(str(self.conn.execute("PRAGMA quick_check(1)").fetchone()[0]).split())
        if first != "ok":
            raise HistoryError(self.path, f"the database is damaged ({first[:160]}); restore a backup or move it "
                                          "aside to start a new history")
        self._retry(lambda: self.conn.execute("BEGIN IMMEDIATE"))
        try:
            self.conn.execute("UPDATE schema_migrations SET name = name WHERE version = ?", (SCHEMA_VERSION,))
        finally:
            self._rollback()

    @_guarded
    def schema_version(self) -> int:
        return self.conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] or 0

    # ----------------------------------------------------------------- watches

    @_guarded
    def add_watch(self, vendor: str, sources: list[str], policy: Optional[str]) -> Watch:
        with self.transaction() as c:
            row = c.execute("SELECT policy FROM watches WHERE vendor = ?", (vendor,)).fetchone()
            if row is None:
                c.execute("INSERT INTO watches (vendor, policy, added) VALUES (?, ?, ?)", (vendor, policy, now_iso()))
            elif policy is not None:
                c.execute("UPDATE watches SET policy = ? WHERE vendor = ?", (policy, vendor))
            start = c.execute("SELECT coalesce(max(position), -1) + 1 FROM watch_sources WHERE vendor = ?",
                              (vendor,)).fetchone()[0]
            for i, s in enumerate(sources):
                c.execute("INSERT OR IGNORE INTO watch_sources (vendor, position, source) VALUES (?, ?, ?)",
                          (vendor, start + i, s))
        return self.watch(vendor)

    @_guarded
    def remove_watch(self, vendor: str, sources: Optional[list[str]] = None) -> int:
        """Remove a vendor's watch (or only some of its sources); returns how many sources were removed."""
        with self.transaction() as c:
            if sources:
                n = sum(c.execute("DELETE FROM watch_sources WHERE vendor = ? AND source = ?", (vendor, s)).rowcount
                        for s in sources)
                left = c.execute("SELECT count(*) FROM watch_sources WHERE vendor = ?", (vendor,)).fetchone()[0]
                if not left:
                    c.execute("DELETE FROM watches WHERE vendor = ?", (vendor,))
                return n
            n = c.execute("DELETE FROM watch_sources WHERE vendor = ?", (vendor,)).rowcount
            gone = c.execute("DELETE FROM watches WHERE vendor = ?", (vendor,)).rowcount
            return n if n else gone

    def watch(self, vendor: str) -> Optional[Watch]:
        for w in self.watches():
            if w.vendor == vendor:
                return w
        return None

    @_guarded
    def watches(self, vendors: Optional[list[str]] = None) -> list[Watch]:
        rows = self.conn.execute("SELECT vendor, policy, added FROM watches ORDER BY vendor COLLATE NOCASE").fetchall()
        out = []
        for r in rows:
            if vendors and not any(v.casefold() == r["vendor"].casefold() for v in vendors):
                continue
            srcs = tuple(x[0] for x in self.conn.execute(
                "SELECT source FROM watch_sources WHERE vendor = ? ORDER BY position", (r["vendor"],)))
            out.append(Watch(r["vendor"], srcs, r["policy"], r["added"]))
        return out

    # ----------------------------------------------------------------- snapshots, analyses, fetch state

    @_guarded
    def fetch_state(self, source: str) -> Optional[dict]:
        row = self.conn.execute("SELECT * FROM fetch_state WHERE source = ?", (source,)).fetchone()
        return dict(row) if row else None

    @_guarded
    def snapshot(self, sha256: str) -> Optional[tuple[bytes, str]]:
        row = self.conn.execute("SELECT content, suffix FROM snapshots WHERE sha256 = ?", (sha256,)).fetchone()
        return (bytes(row["content"]), row["suffix"]) if row else None

    @_guarded
    def has_snapshot(self, sha256: str) -> bool:
        return self.conn.execute("SELECT 1 FROM snapshots WHERE sha256 = ?", (sha256,)).fetchone() is not None

    @_guarded
    def analysis(self, sha256: str, analyser: str, *, run_id: Optional[int] = None,
                 source: str = "") -> Optional[DocumentFacts]:
        """The stored analysis of a document; a damaged one is a HistoryError naming `run_id` when given."""
        row = self.conn.execute("SELECT facts_json FROM analyses WHERE sha256 = ? AND analyser = ?",
                                (sha256, analyser)).fetchone()
        if row is None:
            return None
        if run_id is None:
            return self._load(DocumentFacts, row[0], f"the stored analysis of document {sha256[:12]}", "it")
        return self._load(DocumentFacts, row[0], f"run {run_id}", f"the analysis of {source}")

    def _load(self, model, text, whose: str, part: str):
        """`model` from a stored JSON text, or a HistoryError saying `whose` stored `part` is damaged."""
        try:
            return model.model_validate_json(text)
        except (ValueError, TypeError) as exc:
            raise _damaged(self.path, whose, part, exc) from None

    # ----------------------------------------------------------------- runs

    @_guarded
    def write_run(self, result: RunResult, documents: list[RunDocument], *, kind: str, analyser: str,
                  compare: Optional[Callable[["Store", int], _Pending]] = None) -> int:
        """Store one run and everything it needs in a single transaction; returns the run id.

        `compare(store, run_id)` is called inside the transaction, after the run's rows are in, to compute the
        change report against the previous run; its result is stored with the run. Nothing of the run is visible
        to other connections until the transaction commits, and an exception anywhere rolls it all back.
        """
        if len(documents) != len(result.documents):
            raise ValueError("one RunDocument per document of the result")
        stamp = now_iso()
        with self.transaction() as c:
            for d in documents:
                sha = d.facts.sha256
                if d.snapshot is not None and sha:
                    c.execute("INSERT OR IGNORE INTO snapshots (sha256, size, suffix, content, first_seen) "
                              "VALUES (?, ?, ?, ?, ?)", (sha, len(d.snapshot), d.suffix, d.snapshot, stamp))
                if d.facts.status == "ok" and sha:
                    c.execute("INSERT OR IGNORE INTO analyses (sha256, analyser, facts_json, created) "
                              "VALUES (?, ?, ?, ?)", (sha, analyser, d.facts.model_dump_json(), stamp))
                if d.fetch_state is not None:
                    fs = d.fetch_state
                    c.execute("INSERT OR REPLACE INTO fetch_state (source, etag, last_modified, sha256, final_url, "
                              "suffix, checked) VALUES (?, ?, ?, ?, ?, ?, ?)",
                              (d.key, fs.get("etag"), fs.get("last_modified"), sha or fs.get("sha256"),
                               fs.get("final_url"), d.suffix, d.fetched or stamp))
            cur = c.execute(
                "INSERT INTO runs (vendor, kind, created, policy_name, policy_version, tool_version, analyser, "
                "result_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (result.vendor, kind, result.created, result.policy.name, result.policy.version,
                 result.tool.version, analyser, result.model_dump_json(exclude={"counts": True,
                                                                             "documents": {"__all__": {"counts"}}})))
            run_id = cur.lastrowid
            for pos, (d, dr) in enumerate(zip(documents, result.documents)):
                c.execute("INSERT INTO run_documents (run_id, position, source, key, sha256, status, error, fetched, "
                          "fetch_status, http_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (run_id, pos, d.source, d.key, dr.sha256 or d.facts.sha256 or None, dr.status, dr.error,
                           d.fetched or stamp, d.fetch_status, d.http_status))
                self._insert_findings(c, run_id, pos, dr)
            if compare is not None:
                p = compare(self, run_id)
                c.execute("UPDATE runs SET baseline_run = ?, changed = ?, worse = ?, changes_json = ? WHERE id = ?",
                          (p.baseline_run, int(p.changed), int(p.worse), p.changes_json, run_id))
        return run_id

    @staticmethod
    def _insert_findings(c: sqlite3.Connection, run_id: int, pos: int, dr) -> None:
        for f in dr.findings:
            c.execute("INSERT INTO findings (run_id, position, question, answer, value, verdict, confidence, "
                      "fingerprint, evidence_fps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (run_id, pos, f.question, f.answer, None if f.value is None else json.dumps(f.value),
                       f.verdict.value, f.confidence, f.fingerprint,
                       json.dumps(sorted({e.fingerprint for e in f.evidence}))))

    def _info(self, r: sqlite3.Row) -> RunInfo:
        n = self.conn.execute("SELECT count(*) FROM run_documents WHERE run_id = ?", (r["id"],)).fetchone()[0]
        cols = [r[k] for k in ("kind", "created", "policy_name", "policy_version", "tool_version", "analyser")]
        ok = all(isinstance(c, str) for c in cols) and isinstance(r["vendor"], (str, type(None))) \
            and isinstance(r["baseline_run"], (int, type(None)))
        kind, created, policy_name, policy_version, tool_version, analyser = (c if ok else str(c) for c in cols)
        return RunInfo(r["id"], r["vendor"] if ok else str(r["vendor"]), kind, created,
                       f"{policy_name} {policy_version}", tool_version, analyser, r["baseline_run"] if ok else None,
                       bool(r["changed"]), bool(r["worse"]), n, None if ok else SUMMARY_UNREADABLE)

    @_guarded
    def runs(self, vendor: Optional[str] = None, limit: Optional[int] = None) -> list[RunInfo]:
        """Runs, newest first. A run whose stored row is damaged is listed with its `problem` set."""
        valid = "json_valid(result_json) AS result_ok, coalesce(json_valid(changes_json), 1) AS changes_ok" \
            if self._has_json_valid() else "1 AS result_ok, 1 AS changes_ok"
        sql = f"SELECT *, {valid} FROM runs"
        args: list = []
        if vendor is not None:
            sql += " WHERE vendor = ? COLLATE NOCASE"
            args.append(vendor)
        sql += " ORDER BY id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        out = []
        for r in self.conn.execute(sql, args).fetchall():
            info = self._info(r)
            if info.problem is None and not r["result_ok"]:
                info = replace(info, problem="its result is not valid JSON")
            elif info.problem is None and not r["changes_ok"]:
                info = replace(info, problem="its change report is not valid JSON")
            out.append(info)
        return out

    def _has_json_valid(self) -> bool:
        try:
            self.conn.execute("SELECT json_valid('{}')")
            return True
        except sqlite3.OperationalError:  # an SQLite built without JSON functions
            return False

    @_guarded
    def run_ids(self) -> list[int]:
        return [r[0] for r in self.conn.execute("SELECT id FROM runs ORDER BY id")]

    @_guarded
    def latest_run_id(self, vendor: Optional[str] = None, before: Optional[int] = None) -> Optional[int]:
        sql, args = "SELECT max(id) FROM runs WHERE 1 = 1", []
        if vendor is not None:
            sql += " AND vendor = ? COLLATE NOCASE"
            args.append(vendor)
        if before is not None:
            sql += " AND id < ?"
            args.append(before)
        return self.conn.execute(sql, args).fetchone()[0]

    @_guarded
    def last_ok_document(self, vendor: Optional[str], key: str, before: int) -> Optional[tuple[int, int]]:
        """(run id, position) of the latest earlier run of `vendor` in which `key` was read successfully."""
        row = self.conn.execute(
            "SELECT d.run_id, d.position FROM run_documents d JOIN runs r ON r.id = d.run_id "
            "WHERE d.key = ? AND d.status = 'ok' AND d.run_id < ? AND r.vendor IS ? COLLATE NOCASE "
            "ORDER BY d.run_id DESC LIMIT 1", (key, before, vendor)).fetchone()
        return (row[0], row[1]) if row else None

    @_guarded
    def run(self, run_id: int, *, facts: bool = True) -> StoredRun:
        """A stored run; `facts=False` leaves the documents' analyses unread (`StoredDocument.facts` is None).
        A damaged row is a HistoryError naming the run."""
        r = self.conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if r is None:
            raise HistoryError(self.path, f"no run {run_id}")
        info = self._info(r)
        if info.problem:
            raise HistoryError(self.path, f"run {run_id} is damaged ({info.problem})")
        result = self._load(RunResult, r["result_json"], f"run {run_id}", "its result")
        docs = []
        for d in self.conn.execute("SELECT * FROM run_documents WHERE run_id = ? ORDER BY position", (run_id,)):
            stored = None
            if facts and d["sha256"] and d["status"] == "ok":
                stored = self.analysis(d["sha256"], r["analyser"], run_id=run_id, source=d["source"])
            if stored is not None and stored.source != d["source"]:
                stored = stored.model_copy(update={"source": d["source"]})
            docs.append(StoredDocument(d["position"], d["source"], d["key"], d["sha256"], d["status"], d["error"],
                                       d["fetched"], d["fetch_status"], d["http_status"], stored))
        if len(docs) != len(result.documents):
            raise HistoryError(self.path, f"run {run_id} is damaged (it has {len(docs)} document rows for "
                                          f"{len(result.documents)} documents in its result)")
        return StoredRun(info, result, tuple(docs), r["changes_json"])

    def change_report(self, run: StoredRun):
        """The change report stored with `run` (None for a run stored without one)."""
        from .diff import ChangeReport

        if not run.changes_json:
            return None
        try:
            return ChangeReport.loads(run.changes_json)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise _damaged(self.path, f"run {run.info.id}", "its change report", exc) from None

    @_guarded
    def integrity_ok(self) -> bool:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
