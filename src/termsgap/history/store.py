"""The history database: watches, raw snapshots, analyses, runs and findings in one SQLite file.

- Default path: `$TERMSGAP_DB`, else `~/.local/share/termsgap/history.db` (platformdirs / XDG); `--db` overrides.
- Schema versioned by numbered migrations recorded in `schema_migrations` (sqlite-utils style); a database
  written by a newer termsgap is refused with a clear message instead of being half-understood.
- WAL journal and a busy timeout, so two rechecks at once queue for the write lock instead of failing.
- A run (its documents, findings, the snapshots and analyses it introduced, the fetch state it learned and its
  change report against the previous run) is written in ONE `BEGIN IMMEDIATE` transaction: a recheck killed at
  any point leaves either the whole run or nothing.

Raw snapshots are stored once per SHA-256 (blobs in the `snapshots` table) so a document can be re-extracted
later; analyses (`DocumentFacts` as JSON: clauses with provenance and facts) are stored once per
(SHA-256, analyser), where the analyser key names the termsgap version and the checklist it answered.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
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


class HistoryError(Exception):
    """A history database that cannot be used; str() is the one-line reason for the user."""


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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"cannot open history database {self.path}: {exc}") from None
        self.conn.row_factory = sqlite3.Row
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._retry(lambda: self.conn.execute("PRAGMA journal_mode = WAL"))
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise HistoryError(f"cannot use history database {self.path}: {exc}") from None

    # ----------------------------------------------------------------- plumbing

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @staticmethod
    def _retry(fn: Callable, attempts: int = 50):
        for i in range(attempts):
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or i == attempts - 1:
                    raise
                time.sleep(0.05 * (i + 1))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; any exception rolls everything back."""
        self._retry(lambda: self.conn.execute("BEGIN IMMEDIATE"))
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def _migrate(self) -> None:
        with self.transaction() as c:
            c.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                      "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)")
            applied = {r[0] for r in c.execute("SELECT version FROM schema_migrations")}
            newest = max(applied, default=0)
            if newest > SCHEMA_VERSION:
                raise HistoryError(f"history database {self.path} has schema version {newest}, newer than this "
                                   f"termsgap understands ({SCHEMA_VERSION}); upgrade termsgap")
            for version, name, sql in MIGRATIONS:
                if version in applied:
                    continue
                for statement in (s.strip() for s in sql.split(";")):
                    if statement:
                        c.execute(statement)
                c.execute("INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)",
                          (version, name, now_iso()))

    def schema_version(self) -> int:
        return self.conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] or 0

    # ----------------------------------------------------------------- watches

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

    def fetch_state(self, source: str) -> Optional[dict]:
        row = self.conn.execute("SELECT * FROM fetch_state WHERE source = ?", (source,)).fetchone()
        return dict(row) if row else None

    def snapshot(self, sha256: str) -> Optional[tuple[bytes, str]]:
        row = self.conn.execute("SELECT content, suffix FROM snapshots WHERE sha256 = ?", (sha256,)).fetchone()
        return (bytes(row["content"]), row["suffix"]) if row else None

    def has_snapshot(self, sha256: str) -> bool:
        return self.conn.execute("SELECT 1 FROM snapshots WHERE sha256 = ?", (sha256,)).fetchone() is not None

    def analysis(self, sha256: str, analyser: str) -> Optional[DocumentFacts]:
        row = self.conn.execute("SELECT facts_json FROM analyses WHERE sha256 = ? AND analyser = ?",
                                (sha256, analyser)).fetchone()
        return DocumentFacts.model_validate_json(row[0]) if row else None

    # ----------------------------------------------------------------- runs

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
        return RunInfo(r["id"], r["vendor"], r["kind"], r["created"], f"{r['policy_name']} {r['policy_version']}",
                       r["tool_version"], r["analyser"], r["baseline_run"], bool(r["changed"]), bool(r["worse"]), n)

    def runs(self, vendor: Optional[str] = None, limit: Optional[int] = None) -> list[RunInfo]:
        sql = "SELECT * FROM runs"
        args: list = []
        if vendor is not None:
            sql += " WHERE vendor = ? COLLATE NOCASE"
            args.append(vendor)
        sql += " ORDER BY id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [self._info(r) for r in self.conn.execute(sql, args)]

    def run_ids(self) -> list[int]:
        return [r[0] for r in self.conn.execute("SELECT id FROM runs ORDER BY id")]

    def latest_run_id(self, vendor: Optional[str] = None, before: Optional[int] = None) -> Optional[int]:
        sql, args = "SELECT max(id) FROM runs WHERE 1 = 1", []
        if vendor is not None:
            sql += " AND vendor = ? COLLATE NOCASE"
            args.append(vendor)
        if before is not None:
            sql += " AND id < ?"
            args.append(before)
        return self.conn.execute(sql, args).fetchone()[0]

    def last_ok_document(self, vendor: Optional[str], key: str, before: int) -> Optional[tuple[int, int]]:
        """(run id, position) of the latest earlier run of `vendor` in which `key` was read successfully."""
        row = self.conn.execute(
            "SELECT d.run_id, d.position FROM run_documents d JOIN runs r ON r.id = d.run_id "
            "WHERE d.key = ? AND d.status = 'ok' AND d.run_id < ? AND r.vendor IS ? COLLATE NOCASE "
            "ORDER BY d.run_id DESC LIMIT 1", (key, before, vendor)).fetchone()
        return (row[0], row[1]) if row else None

    def run(self, run_id: int) -> StoredRun:
        r = self.conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if r is None:
            raise HistoryError(f"no run {run_id} in {self.path}")
        result = RunResult.model_validate_json(r["result_json"])
        docs = []
        for d in self.conn.execute("SELECT * FROM run_documents WHERE run_id = ? ORDER BY position", (run_id,)):
            facts = self.analysis(d["sha256"], r["analyser"]) if d["sha256"] and d["status"] == "ok" else None
            if facts is not None and facts.source != d["source"]:
                facts = facts.model_copy(update={"source": d["source"]})
            docs.append(StoredDocument(d["position"], d["source"], d["key"], d["sha256"], d["status"], d["error"],
                                       d["fetched"], d["fetch_status"], d["http_status"], facts))
        return StoredRun(self._info(r), result, tuple(docs), r["changes_json"])

    def integrity_ok(self) -> bool:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
