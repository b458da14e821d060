"""Extraction: one module per input format, each turning a file into a `Document` of blocks in reading order.

`load(path)` picks the format from the file's content first (magic bytes) and its suffix second, and raises
`InputError` with a one-line, user-facing reason when the file cannot be read.
"""
from __future__ import annotations

import hashlib
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


def load(path: str | Path, *, ocr: bool = False) -> Document:
    """Read one file into a Document, or raise InputError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(path, "is a directory")
    except OSError as exc:
        raise InputError(path, f"cannot read file ({exc.strerror or exc})")
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
