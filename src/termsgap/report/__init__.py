"""Reports: one renderer per format behind one small interface.

Every renderer turns the same canonical `RunResult` into bytes; this module keeps them in a registry by
format name, writes them atomically and prints the terminal summary. CLI code picks formats by name and
never branches on them.

    from termsgap.report import write_reports, render, summary_text
    paths = write_reports(result, Path("out"))                 # report.json, report.html, report.pdf
    sys.stdout.write(render(result, "json").decode())          # one format to stdout
    print(summary_text(result))

Formats: json (canonical), html, pdf (the defaults), md, sarif, csv, xlsx, junit.
Heavy parts load lazily: Jinja on the first HTML or PDF render, WeasyPrint only inside the PDF renderer, openpyxl
only inside the XLSX renderer.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ..atomic import atomic_write
from ..models import RunResult
from .terminal import summary_text

__all__ = [
    "Renderer", "RENDERERS", "DEFAULT_FORMATS", "register", "get_renderer", "available_formats",
    "render", "write_reports", "summary_text", "read_json", "UnknownFormat",
]


@dataclass(frozen=True)
class Renderer:
    """One output format: its name, the file it writes, and a pure function result -> bytes."""

    name: str
    filename: str
    render: Callable[[RunResult], bytes]
    description: str = ""
    media_type: str = "application/octet-stream"

    @property
    def binary(self) -> bool:
        """False for text formats (text/*, JSON, XML and their +json/+xml kinds): those may go to standard output."""
        kind = self.media_type.split(";", 1)[0]
        return not (kind.startswith("text/") or kind in ("application/json", "application/xml")
                    or kind.endswith(("+json", "+xml")))


class UnknownFormat(ValueError):
    """A format name no renderer is registered for."""


#: format name -> renderer; extend with `register`
RENDERERS: dict[str, Renderer] = {}
#: what `write_reports` writes when no formats are given
DEFAULT_FORMATS: tuple[str, ...] = ("json", "html", "pdf")


def register(renderer: Renderer) -> Renderer:
    """Add (or replace) the renderer for `renderer.name`."""
    RENDERERS[renderer.name] = renderer
    return renderer


def available_formats() -> list[str]:
    return list(RENDERERS)


def get_renderer(name: str) -> Renderer:
    try:
        return RENDERERS[name]
    except KeyError:
        raise UnknownFormat(f"unknown report format {name!r}; choose from {', '.join(RENDERERS)}") from None


def render(result: RunResult, format: str) -> bytes:
    """Render `result` in one format, in memory."""
    from ..vendors import complete

    return get_renderer(format).render(complete(result))


def write_reports(result: RunResult, out_dir: Path, formats: Iterable[str] = DEFAULT_FORMATS) -> list[Path]:
    """Render every requested format, then write each file atomically into `out_dir`.

    All formats are rendered in memory before the first file is replaced, so a renderer that fails
    (e.g. WeasyPrint missing) leaves every report already in `out_dir` untouched; each file is then
    swapped in with `os.replace`, so a reader never sees a half-written report.
    Returns the written paths in the order of `formats` (duplicates ignored).
    Raises `UnknownFormat` before rendering anything if a format is not registered.
    """
    from ..vendors import complete

    out_dir = Path(out_dir)
    renderers = [get_renderer(name) for name in dict.fromkeys(formats)]
    out_dir.mkdir(parents=True, exist_ok=True)
    result = complete(result)
    rendered = [(r, r.render(result)) for r in renderers]
    return [atomic_write(out_dir / r.filename, data) for r, data in rendered]


def read_json(path: Path) -> RunResult:
    """Read a `report.json` back into the `RunResult` it was written from (schema version and counts checked)."""
    from .json_report import loads

    return loads(Path(path).read_bytes())


def _register_builtins() -> None:
    from . import (csv_report, html_report, json_report, junit_report, markdown_report, pdf_report, sarif_report,
                   xlsx_report)

    for module in (json_report, html_report, pdf_report, markdown_report, sarif_report, csv_report, xlsx_report,
                   junit_report):
        register(module.RENDERER)
    register(pdf_report.SUMMARY)
    register(csv_report.COMPARISON)


_register_builtins()
