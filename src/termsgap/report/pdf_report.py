"""PDF report: the HTML template rendered with its print CSS (A4, page numbers, repeated table header) by WeasyPrint,
as a tagged PDF.

WeasyPrint is imported inside `render_pdf`, so `--help` and JSON-only runs never load it. Nothing is fetched:
the HTML is self-contained and the URL fetcher refuses every request.
"""
from __future__ import annotations

from termsgap.models import RunResult
from termsgap.report import Renderer


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or its system libraries, pango) cannot be loaded."""


def _refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"termsgap reports are self-contained; refusing to fetch {url!r}")


def render_pdf(result: RunResult) -> bytes:
    from .html_report import render_html_text

    try:
        import weasyprint  # lazy: heavy, needs pango
    except (ImportError, OSError) as exc:  # OSError: missing system libraries
        raise PdfUnavailable(f"PDF reports need WeasyPrint and pango: {exc}") from exc
    html = weasyprint.HTML(string=render_html_text(result), url_fetcher=_refuse_fetch, media_type="print")
    # tagged PDF: headings, tables and their header rows are marked for screen readers and text reflow (the page
    # tests read the same tags to find headings and continued tables)
    return html.write_pdf(pdf_tags=True)


RENDERER = Renderer("pdf", "report.pdf", render_pdf, "printable A4 report (WeasyPrint)", "application/pdf")
