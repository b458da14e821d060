"""Extraction: one module per input format, each turning a file into a `Document` of blocks in reading order.

`load(path)` picks the format from the file's content first (magic bytes) and its suffix second, and raises
`InputError` with a one-line, user-facing reason when the file cannot be read.
"""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from ..models import Document


class InputError(Exception):
    """A document that cannot be checked; str() is the one-line reason shown to the user."""

    def __init__(self, source: str | Path, reason: str):
        self.source = str(source)
        self.reason = reason
        super().__init__(f"{source}: {reason}")


SUFFIXES = {
    ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html",
    ".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text",
}


def detect_format(path: Path, data: bytes) -> str:
    suffix = SUFFIXES.get(path.suffix.lower())
    if data.startswith(b"%PDF"):
        return "pdf"
    if suffix == "pdf":
        raise InputError(path, "not a PDF file (no %PDF header)")
    if data.startswith(b"PK\x03\x04") and suffix in (None, "docx"):
        return "docx"
    if suffix == "docx":
        raise InputError(path, "not a DOCX file (not a zip archive)")
    head = data[:2048].lstrip().lower()
    if suffix is None and (head.startswith(b"<!doctype html") or head.startswith(b"<html")):
        return "html"
    if suffix is None:
        raise InputError(path, f"unsupported file type '{path.suffix or 'none'}' (PDF, DOCX, HTML, Markdown, text)")
    return suffix


#: bytes read from one input at most; an operator raises it with TERMSGAP_MAX_INPUT_BYTES
MAX_INPUT_BYTES = int(os.environ.get("TERMSGAP_MAX_INPUT_BYTES", 200 * 1024 * 1024))


def read_input(path: Path) -> bytes:
    """A regular file's bytes, up to MAX_INPUT_BYTES: a FIFO, device or socket is refused before it is opened
    (reading one could block for ever or never end)."""
    try:
        st = path.stat()
    except OSError as exc:
        raise InputError(path, f"cannot read file ({exc.strerror or exc})")
    if stat.S_ISDIR(st.st_mode):
        raise InputError(path, "is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(path, "not a regular file (a FIFO, device or socket is not read)")
    if st.st_size > MAX_INPUT_BYTES:
        raise InputError(path, f"file too large ({st.st_size} bytes; limit {MAX_INPUT_BYTES}, "
                               f"TERMSGAP_MAX_INPUT_BYTES raises it)")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise InputError(path, f"cannot read file ({exc.strerror or exc})")
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(path, f"file too large (over {MAX_INPUT_BYTES} bytes, TERMSGAP_MAX_INPUT_BYTES raises it)")
    return data


def load(path: str | Path, *, ocr: bool = False) -> Document:
    """Read one file into a Document, or raise InputError."""
    path = Path(path)
    data = read_input(path)
    if not data.strip():
        raise InputError(path, "empty file")
    fmt = detect_format(path, data)
    sha = hashlib.sha256(data).hexdigest()
    if fmt == "pdf":
        from . import pdf
        return pdf.extract(path, data, sha, ocr=ocr)
    if fmt == "docx":
        from . import docx
        return docx.extract(path, data, sha)
    if fmt == "html":
        from . import html
        return html.extract(path, data, sha)
    from . import text
    return text.extract(path, data, sha, markdown=(fmt == "markdown"))
