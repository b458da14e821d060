"""Fetching over HTTP against a local server started by the test (127.0.0.1 only, never the internet)."""
from __future__ import annotations

import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from termsgap.cli import main
from termsgap.history import Store
from termsgap.history.fetch import expand_source, fetch, suffix_for

SAMPLE = Path(__file__).parents[1] / "contracts_samples" / "cinder-customisation-terms.md"
LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)


class Site:
    """Mutable content served by the handler; counts requests and 304s."""

    def __init__(self):
        self.doc = SAMPLE.read_bytes()
        self.version = 1
        self.requests: list[tuple[str, dict]] = []
        self.not_modified = 0
        self.missing = False


def make_handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, code, body=b"", headers=()):
            self.send_response(code)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self):
            site.requests.append((self.path, dict(self.headers)))
            if self.path == "/terms" or self.path == "/terms.md":
                if site.missing:
                    return self._send(404, b"gone")
                etag = f'"v{site.version}"'
                if self.headers.get("If-None-Match") == etag:
                    site.not_modified += 1
                    return self._send(304, headers=[("ETag", etag)])
                return self._send(200, site.doc, [("ETag", etag), ("Content-Type", "text/markdown; charset=utf-8")])
            if self.path == "/lm.md":
                if self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                    site.not_modified += 1
                    return self._send(304)
                return self._send(200, site.doc, [("Last-Modified", LAST_MODIFIED), ("Content-Type", "text/plain")])
            if self.path == "/old-location":
                return self._send(301, headers=[("Location", "/terms")])
            if self.path == "/page":
                return self._send(200, b"<!doctype html><html><body><p>Hi</p></body></html>",
                                  [("Content-Type", "text/html")])
            if self.path == "/slow":
                time.sleep(1.5)
                return self._send(200, b"late")
            if self.path == "/to-ftp":
                return self._send(302, headers=[("Location", "ftp://example.invalid/x")])
            return self._send(404, b"not found")
    return Handler


@pytest.fixture
def server():
    site = Site()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(site))
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield base, site
    httpd.shutdown()
    httpd.server_close()


def test_etag_304(server):
    base, site = server
    first = fetch(f"{base}/terms")
    assert first.status == "fetched" and first.etag == '"v1"' and first.content == SAMPLE.read_bytes()
    assert first.suffix == ".md" and first.http_status == 200
    again = fetch(f"{base}/terms", {**first.state(), "suffix": first.suffix})
    assert again.status == "not-modified" and again.http_status == 304 and again.content is None
    assert again.sha256 == first.sha256
    assert site.requests[-1][1].get("If-None-Match") == '"v1"'
    # no conditional headers when we do not hold the bytes any more (no sha256 in the state)
    fetch(f"{base}/terms", {"etag": '"v1"'})
    assert "If-None-Match" not in site.requests[-1][1]


def test_last_modified_304(server):
    base, site = server
    first = fetch(f"{base}/lm.md")
    assert first.last_modified == LAST_MODIFIED and first.suffix == ".txt"
    again = fetch(f"{base}/lm.md", first.state())
    assert again.status == "not-modified" and site.requests[-1][1].get("If-Modified-Since") == LAST_MODIFIED


def test_404_timeout_redirect_and_types(server):
    base, site = server
    missing = fetch(f"{base}/nothing-here")
    assert missing.status == "error" and missing.http_status == 404 and "HTTP 404" in missing.error
    slow = fetch(f"{base}/slow", timeout=0.3)
    assert slow.status == "error" and "timed out" in slow.error
    moved = fetch(f"{base}/old-location")
    assert moved.status == "fetched" and moved.final_url == f"{base}/terms" and moved.content == site.doc
    assert fetch(f"{base}/to-ftp").status == "error"
    assert fetch(f"{base}/page").suffix == ".html"
    refused = fetch("http://127.0.0.1:9/terms", timeout=1)
    assert refused.status == "error" and refused.error.startswith("cannot fetch")
    assert suffix_for("http://x/a", "application/octet-stream", b"%PDF-1.7") == ".pdf"


def test_local_files_and_folders(tmp_path):
    (tmp_path / "b.md").write_text("b")
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    (tmp_path / "notes.xyz").write_text("x")
    assert [Path(p).name for p in expand_source(str(tmp_path))] == ["a.pdf", "b.md"]
    f = fetch(str(tmp_path / "b.md"))
    assert f.status == "fetched" and f.suffix == ".md"
    assert fetch(str(tmp_path / "b.md"), f.state()).status == "not-modified"
    assert fetch(str(tmp_path / "nope.md")).error == "file not found"


def test_recheck_over_http_uses_304_snapshot_and_reports_changes(server, tmp_path, monkeypatch):
    base, site = server
    db = str(tmp_path / "h.db")
    run = lambda *a: CliRunner().invoke(main, [*a, "--db", db], catch_exceptions=False)  # noqa: E731
    assert run("watch", "add", "Cinder", f"{base}/terms").exit_code == 0
    assert run("recheck").exit_code == 0

    import termsgap.engine as engine
    calls = []
    real = engine.analyse
    monkeypatch.setattr(engine, "analyse", lambda *a, **k: calls.append(a) or real(*a, **k))
    res = run("recheck")
    assert res.exit_code == 0 and site.not_modified == 1 and calls == []
    with Store(db) as s:
        latest = s.run(s.latest_run_id("Cinder"))
        assert latest.documents[0].fetch_status == "not-modified" and latest.documents[0].http_status == 304
        assert s.snapshot(latest.documents[0].sha256)[0] == site.doc  # raw snapshot kept for re-extraction

    site.missing = True
    res = run("recheck")
    assert res.exit_code == 2 and "HTTP 404" in res.output + (res.stderr if hasattr(res, "stderr") else "")

    site.missing = False
    site.version = 2
    site.doc = site.doc.replace(b"5.3 Each Custom Model is available exclusively to the Customer whose Tuning Data "
                                b"was used to create it. Cinder will not make a Custom Model available to any other "
                                b"customer and will not use it to improve its base models.",
                                b"5.3 Cinder may make Custom Models available to other customers.")
    assert b"Cinder may make Custom Models" in site.doc
    res = run("recheck")
    assert len(calls) == 1
    assert "training.fine-tuned-model-exclusive" in res.output, res.output
    assert res.exit_code == 4, res.output   # compared with the last run that read the source, not the 404 run
    assert "- removed" in res.output or "~ reworded" in res.output
