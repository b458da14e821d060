"""A server that answers badly (127.0.0.1 only, bounded): every malformed or broken response is one source's
one-line error, and never the vendor's new terms."""
from __future__ import annotations

import gzip
import socket
import threading
import time

import pytest

from termsgap.history.fetch import fetch

BODY = b"# Terms\n\nProvider will not use Customer Content to train its models.\n"


def ok(body: bytes, *extra: str, ctype: str = "text/markdown") -> bytes:
    head = ["HTTP/1.1 200 OK", f"Content-Type: {ctype}", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


RESPONSES = {
    "/malformed-status": b"HTTQ/9 what\r\n\r\n",
    "/long-header": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\nhi",
    "/many-headers": b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\nhi",
    "/short-body": ok(BODY)[:-20],
    "/broken-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n",
    "/gzip": ok(gzip.compress(BODY), "Content-Encoding: gzip"),
    "/bad-gzip": ok(b"not gzip at all", "Content-Encoding: gzip"),
    "/brotli": ok(b"....", "Content-Encoding: br"),
    "/good": ok(BODY),
    "/latin1": ok("<html><head><meta charset='utf-8'></head><body><p>Données du Client: €</p></body></html>"
                  .encode("cp1252"), ctype="text/html; charset=windows-1252"),
    "/undecodable": ok(b"\xff\xfe\xfa broken", ctype="text/plain; charset=no-such-charset"),
}


@pytest.fixture(scope="module")
def server():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve(conn):
        with conn:
            conn.settimeout(5)
            request = b""
            while b"\r\n\r\n" not in request and len(request) < 65536:
                part = conn.recv(4096)
                if not part:
                    return
                request += part
            path = request.split(b" ", 2)[1].decode()
            if path == "/drip":  # a valid response, one byte every 0.3 s: each read is quick, the whole is not
                body = ok(b"x" * 40)
                for i in range(len(body)):
                    if stop.is_set():
                        return
                    try:
                        conn.sendall(body[i:i + 1])
                    except OSError:
                        return
                    time.sleep(0.3)
                return
            conn.sendall(RESPONSES[path])

    def loop():
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    sock.close()


@pytest.mark.parametrize("path", ["/malformed-status", "/long-header", "/many-headers", "/short-body",
                                  "/broken-chunk", "/bad-gzip", "/brotli"])
def test_a_bad_response_is_an_error_not_new_terms(server, path):
    f = fetch(server + path, timeout=5)
    assert f.status == "error" and f.content is None, f
    assert f.error and "\n" not in f.error


def test_a_gzip_encoded_page_is_decoded(server):
    f = fetch(server + "/gzip", timeout=5)
    assert f.status == "fetched" and f.content == BODY


def test_the_timeout_bounds_the_whole_download(server):
    f = fetch(server + "/drip", timeout=2)
    assert f.status == "error" and "whole download" in f.error


def test_the_declared_charset_wins(server):
    """A page served as windows-1252 is read as such, whatever its meta tag claims."""
    from termsgap.extract import html

    f = fetch(server + "/latin1", timeout=5)
    assert f.status == "fetched"
    doc = html.extract(__import__("pathlib").Path("page.html"), f.content, f.sha256)
    assert "Données du Client: €" in doc.text


def test_an_unknown_charset_is_an_error(server):
    f = fetch(server + "/undecodable", timeout=5)
    assert f.status == "error" and "charset" in f.error


def test_a_good_response_still_works(server):
    f = fetch(server + "/good", timeout=5)
    assert f.status == "fetched" and f.content == BODY
