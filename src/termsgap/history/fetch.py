"""Sources: local files and folders, and http(s) URLs fetched with conditional requests.

`fetch(source, state)` returns the raw bytes of a document (or "not modified" when a server answers 304 to the
ETag / Last-Modified it sent last time, or the local file still has the same SHA-256), never raising for a
source that cannot be read: the result carries a one-line error instead. Standard library only (urllib):
redirects are followed (at most 10, http(s) only), the timeout bounds the whole download, and a response larger
than `MAX_BYTES`, shorter than its Content-Length, malformed or in an unknown encoding is an error, never new
terms.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .. import __version__
from ..extract import InputError, read_input

DEFAULT_TIMEOUT = 30.0
MAX_BYTES = 100 * 1024 * 1024
USER_AGENT = f"termsgap/{__version__} (+scheduled terms re-check)"
INPUT_SUFFIXES = {".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt"}

_TYPES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "text/plain": ".txt",
}


def is_url(source: str) -> bool:
    return urllib.parse.urlsplit(source).scheme.lower() in ("http", "https")


def source_key(source: str) -> str:
    """The identity of a source across runs: the URL as given, or the absolute path of a local file."""
    if is_url(source):
        return source
    return os.path.realpath(os.path.expanduser(source))  # unlike Path.resolve, never raises on a symlink loop


def expand_source(source: str) -> list[str]:
    """A URL or file as one source; a folder as the supported documents directly inside it, sorted."""
    if is_url(source):
        return [source]
    p = Path(source).expanduser()
    if p.is_dir():
        try:
            return [str(f) for f in sorted(p.iterdir()) if f.is_file() and f.suffix.lower() in INPUT_SUFFIXES]
        except OSError:  # a folder that cannot be listed is that source's one-line error when it is fetched
            pass
    return [str(p)]


@dataclass(frozen=True)
class Fetched:
    """What one fetch found. `status`: fetched (new bytes), not-modified (same as last time), error."""

    source: str
    status: str
    content: Optional[bytes] = None
    sha256: Optional[str] = None
    suffix: str = ""
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    final_url: Optional[str] = None
    http_status: Optional[int] = None
    error: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.status != "error"

    def state(self) -> dict:
        return {"etag": self.etag, "last_modified": self.last_modified, "final_url": self.final_url,
                "sha256": self.sha256}


def suffix_for(url: str, content_type: str, data: bytes) -> str:
    """The file suffix the extractors should see: from the content itself, then Content-Type, then the URL path."""
    if data.startswith(b"%PDF"):
        return ".pdf"
    if data.startswith(b"PK\x03\x04"):
        return ".docx"
    media = content_type.split(";", 1)[0].strip().lower()
    if media in _TYPES:
        return _TYPES[media]
    path_suffix = Path(urllib.parse.urlsplit(url).path).suffix.lower()
    if path_suffix in INPUT_SUFFIXES:
        return path_suffix
    head = data[:2048].lstrip().lower()
    if head.startswith(b"<!doctype html") or head.startswith(b"<html"):
        return ".html"
    return ".txt"


def fetch(source: str, state: Optional[dict] = None, *, timeout: float = DEFAULT_TIMEOUT) -> Fetched:
    """Fetch one source; `state` is what the previous fetch of it returned (`Fetched.state()`), if any."""
    if is_url(source):
        return _fetch_url(source, state or {}, timeout)
    return _fetch_file(source, state or {})


def _fetch_file(source: str, state: dict) -> Fetched:
    path = Path(source).expanduser()
    if not path.exists() and not path.is_symlink():
        return Fetched(source, "error", error="file not found")
    if path.is_dir():  # only a folder expand_source could not list comes here
        try:
            os.listdir(path)
        except OSError as exc:
            return Fetched(source, "error", error=f"cannot list the folder ({exc.strerror or exc})")
    try:
        data = read_input(path)  # regular files only, within the byte limit
    except InputError as exc:
        return Fetched(source, "error", error=exc.reason)
    sha = hashlib.sha256(data).hexdigest()
    status = "not-modified" if state.get("sha256") == sha else "fetched"
    return Fetched(source, status, content=data, sha256=sha, suffix=path.suffix.lower())


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 10

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise urllib.error.HTTPError(newurl, code, f"redirect to a non-http URL {newurl}", headers, fp)
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:  # keep the conditional headers across the redirect
            for h in ("If-None-Match", "If-Modified-Since", "User-agent"):
                if req.has_header(h):
                    new.add_unredirected_header(h, req.get_header(h))
        return new


def _fetch_url(url: str, state: dict, timeout: float) -> Fetched:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/pdf, text/html, text/markdown, text/plain, */*"}
    if state.get("sha256"):  # only ask "changed since?" when we still know what we had
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
    opener = urllib.request.build_opener(_Redirects())
    request = urllib.request.Request(url, headers=headers)
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as resp:
            data = _read_body(resp, deadline, timeout)
            final = resp.geturl()
            sha = hashlib.sha256(data).hexdigest()
            return Fetched(url, "not-modified" if sha == state.get("sha256") else "fetched", content=data,
                           sha256=sha, suffix=suffix_for(final, resp.headers.get("Content-Type", ""), data),
                           etag=resp.headers.get("ETag"), last_modified=resp.headers.get("Last-Modified"),
                           final_url=final, http_status=resp.status)
    except _BadBody as exc:
        return Fetched(url, "error", http_status=exc.status, error=str(exc))
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(url, "not-modified", sha256=state.get("sha256"), suffix=state.get("suffix") or "",
                           etag=exc.headers.get("ETag") or state.get("etag"),
                           last_modified=exc.headers.get("Last-Modified") or state.get("last_modified"),
                           final_url=state.get("final_url") or url, http_status=304)
        return Fetched(url, "error", http_status=exc.code, error=f"HTTP {exc.code} {exc.reason}".strip())
    except (TimeoutError, socket.timeout):
        return Fetched(url, "error", error=f"timed out after {timeout:g} s")
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return Fetched(url, "error", error=f"timed out after {timeout:g} s")
        return Fetched(url, "error", error=f"cannot fetch ({reason})")
    except (http.client.HTTPException, OSError, ValueError) as exc:  # a malformed or broken response
        detail = " ".join(str(exc).split())[:120]
        return Fetched(url, "error", error=f"bad response ({type(exc).__name__}{': ' + detail if detail else ''})")


class _BadBody(Exception):
    def __init__(self, message: str, status: Optional[int]):
        super().__init__(message)
        self.status = status


def _read_body(resp, deadline: float, timeout: float) -> bytes:
    """The whole body within the deadline (the timeout bounds the download, not each read), no larger than
    MAX_BYTES, as long as its Content-Length says, and decoded from gzip/deflate; anything else is an error, so
    a broken download never becomes the vendor's new terms."""
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise _BadBody(f"timed out after {timeout:g} s (the whole download)", resp.status)
        chunk = resp.read(65536)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BYTES:
            raise _BadBody(f"response larger than {MAX_BYTES // (1024 * 1024)} MB", resp.status)
    data = b"".join(chunks)
    declared = resp.headers.get("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) != len(data):
        raise _BadBody(f"incomplete response ({len(data)} of {int(declared)} bytes)", resp.status)
    encoding = (resp.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        try:
            data = zlib.decompressobj(wbits=47).decompress(data, MAX_BYTES + 1) if encoding != "deflate" \
                else zlib.decompress(data)
        except zlib.error as exc:
            raise _BadBody(f"cannot decode {encoding} response ({exc})", resp.status)
        if len(data) > MAX_BYTES:
            raise _BadBody(f"response inflates past {MAX_BYTES // (1024 * 1024)} MB", resp.status)
    elif encoding not in ("identity", ""):
        raise _BadBody(f"unsupported Content-Encoding {encoding!r}", resp.status)
    return _as_declared(data, resp.headers.get_content_charset(), resp.headers.get_content_maintype(), resp.status)


def _as_declared(data: bytes, charset: Optional[str], maintype: str, status: Optional[int]) -> bytes:
    """Text in the charset the server declares, stored as UTF-8 with a byte-order mark (which the HTML and text
    readers honour over a page's own meta tag); text that does not decode as declared is an error."""
    if maintype != "text" or not charset or charset.lower().replace("_", "-") in ("utf-8", "utf8", "us-ascii"):
        return data
    try:
        text = data.decode(charset)
    except LookupError:
        raise _BadBody(f"unknown charset {charset!r}", status)
    except UnicodeDecodeError:
        raise _BadBody(f"response does not decode as its declared charset {charset}", status)
    return b"\xef\xbb\xbf" + text.encode("utf-8")
