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


#: vendors per WeasyPrint pass: a long report is laid out in parts and the parts' pages joined, so time grows
#: linearly with the vendors and memory stays that of one part
VENDORS_PER_PART = 8
#: beyond this many vendors the PDF prints one line per answer (the HTML and JSON keep every quote)
COMPACT_VENDORS = 40
#: rows of the comparison (one per vendor) and of the documents table per part
ROWS_PER_PART = 60


def _weasy(html: str) -> bytes:
    try:
        import weasyprint  # lazy: heavy, needs pango
    except (ImportError, OSError) as exc:  # OSError: missing system libraries
        raise PdfUnavailable(f"PDF reports need WeasyPrint and pango: {exc}") from exc
    # tagged PDF: headings, tables and their header rows are marked for screen readers and text reflow (the page
    # tests read the same tags to find headings and continued tables)
    return weasyprint.HTML(string=html, url_fetcher=_refuse_fetch, media_type="print").write_pdf(pdf_tags=True)


def render_pdf(result: RunResult, summary_only: bool = False) -> bytes:
    from .html_report import render_html_text

    n = len(result.vendors)
    if n <= VENDORS_PER_PART:
        return _weasy(render_html_text(result, summary_only))
    import io

    import pypdfium2

    none, compact, n_docs = range(0), n > COMPACT_VENDORS, len(result.documents)

    def parts():  # generated one at a time: only one part's HTML and layout are in memory
        yield render_html_text(result, summary_only, vendors=none, compare=none, documents=none)
        for i in range(0, n, ROWS_PER_PART):
            yield render_html_text(result, summary_only, head=False, vendors=none, documents=none,
                                   compare=range(i, min(i + ROWS_PER_PART, n)))
        for i in range(0, n, VENDORS_PER_PART):
            yield render_html_text(result, summary_only, head=False, compare=none, documents=none,
                                   vendors=range(i, min(i + VENDORS_PER_PART, n)), compact=compact)
        for i in range(0, 0 if summary_only else n_docs, ROWS_PER_PART):
            yield render_html_text(result, summary_only, head=False, vendors=none, compare=none,
                                   documents=range(i, min(i + ROWS_PER_PART, n_docs)))
    whole = pypdfium2.PdfDocument.new()
    for html in parts():  # each part laid out alone, numbered on from the pages before it, copied and let go
        part = pypdfium2.PdfDocument(_weasy(_numbered_from(html, len(whole) + 1)))
        whole.import_pages(part)
        part.close()
    out = io.BytesIO()
    whole.save(out)
    whole.close()
    return out.getvalue()


def _numbered_from(html: str, first: int) -> str:
    """The part's pages numbered from `first` ("page 12"; the total is not known while a part is laid out)."""
    css = (f"@page {{ @bottom-right {{ content: 'page ' counter(page); }} }} "
           f"@page :first {{ counter-reset: page {first}; }}")
    return html.replace("</head>", f"<style>{css}</style>\n</head>", 1)


def render_summary_pdf(result: RunResult) -> bytes:
    return render_pdf(result, summary_only=True)


RENDERER = Renderer("pdf", "report.pdf", render_pdf, "printable A4 report (WeasyPrint)", "application/pdf")
SUMMARY = Renderer("pdf-summary", "report-summary.pdf", render_summary_pdf,
                   "the board pages and the vendor comparison only (WeasyPrint)", "application/pdf")
