"""termsgap extract: what the engine reads from a document."""
from __future__ import annotations

import json

import click

from .common import fail


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: plain reading-order text; json: clauses with provenance.")
@click.option("--ocr", is_flag=True, help="OCR image-only pages with tesseract, where installed.")
def extract(file, fmt, ocr):
    """Print the reading-order text of FILE (PDF, DOCX, HTML, Markdown or text), or its clauses with page,
    section, clause number and span.

    Environment: TERMSGAP_MAX_INPUT_BYTES and TERMSGAP_MAX_DOCX_INFLATED (limits on the file read).
    """
    from ..extract import InputError, load
    from ..extract.segment import segment

    try:
        document = load(file, ocr=ocr)
    except InputError as exc:
        fail(str(exc))
    for w in document.warnings:
        click.echo(f"termsgap: {file}: {w}", err=True)
    if fmt == "text":
        click.echo(document.text)
        return
    clauses = segment(document)
    click.echo(json.dumps({
        "source": document.source, "sha256": document.sha256, "format": document.format,
        "pages": document.pages, "warnings": list(document.warnings),
        "clauses": [c.model_dump(mode="json") for c in clauses],
    }, indent=2, ensure_ascii=False))
