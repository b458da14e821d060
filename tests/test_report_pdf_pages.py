"""The PDF report as people see it: report.pdf of a scan of all five samples, its pages rendered by poppler's
`pdftoppm -r 50` and its text read back with pdfium.

- no page under 10% filled except the last (share of the content area's pixel rows that hold anything non-white);
- no heading, and no table header row, as the last line of a page;
- a page that continues a table starts with the table's header row;
- no text printed over other text (a badge wider than its column).

Headings and table parts are recognised by the PDF's own tags (report.pdf is a tagged PDF: H1-H6, Table, THead,
TBody), looked up through each text object's marked-content id, so no font size has to be guessed. The page images go
to reports/screenshots/pdf/ (or a temporary folder). The checks themselves are tested on small PDFs made to fail.
"""
from __future__ import annotations

import ctypes
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from termsgap import engine, report

from conftest import SAMPLES, screenshot_dir

PDFTOPPM = shutil.which("pdftoppm")
pytestmark = pytest.mark.skipif(PDFTOPPM is None, reason="poppler's pdftoppm is not installed "
                                                         "(apt-get install poppler-utils; scripts/setup.sh test does it)")

MARGINS_MM = (17, 12, 16, 12)  # top, right, bottom, left: the @page margins of report.css
DPI = 50
MIN_FILL = 0.10
HEADINGS = {"H", "H1", "H2", "H3", "H4", "H5", "H6"}


# --------------------------------------------------------------------------- reading pages

@dataclass(frozen=True)
class Line:
    """One text line of a page's content area, with what the PDF's tags say its text runs are."""

    text: str
    top: float
    kinds: frozenset[str]  # of its runs: "heading", "header-row", "table-body", "text" (or "untagged")
    boxes: tuple[tuple[float, float, float, float, str], ...] = ()  # (left, top, right, bottom, text) of its runs

    @property
    def heading(self) -> bool:
        return self.kinds == {"heading"}

    @property
    def header_row(self) -> bool:
        return self.kinds == {"header-row"}

    @property
    def in_table_body(self) -> bool:
        return "table-body" in self.kinds


def _utf16(fn, *args) -> str:
    """A pdfium string getter called twice: once for the length, once for the UTF-16LE text."""
    n = fn(*args, None, 0)
    if n <= 2:
        return ""
    buf = (ctypes.c_ushort * (n // 2))()
    fn(*args, buf, n)
    return bytes(buf).decode("utf-16-le").rstrip("\x00")


def _kind(path: tuple[str, ...]) -> str:
    if HEADINGS & set(path):
        return "heading"
    if "THead" in path or "TH" in path:
        return "header-row"
    if "TBody" in path or "TD" in path or "TR" in path:
        return "table-body"
    return "text"


def _mcid_kinds(page) -> dict[int, str]:
    """Marked-content id -> what the page's structure tree says that content is."""
    import pypdfium2.raw as R

    kinds: dict[int, str] = {}

    def walk(element, path: tuple[str, ...]) -> None:
        path = path + (_utf16(R.FPDF_StructElement_GetType, element),)
        for i in range(R.FPDF_StructElement_GetMarkedContentIdCount(element)):
            kinds[R.FPDF_StructElement_GetMarkedContentIdAtIndex(element, i)] = _kind(path)
        for i in range(R.FPDF_StructElement_CountChildren(element)):
            child = R.FPDF_StructElement_GetChildAtIndex(element, i)
            if child:  # not a bare marked-content reference
                walk(child, path)

    tree = R.FPDF_StructTree_GetForPage(page.raw)
    try:
        for i in range(R.FPDF_StructTree_CountChildren(tree)):
            walk(R.FPDF_StructTree_GetChildAtIndex(tree, i), ())
    finally:
        R.FPDF_StructTree_Close(tree)
    return kinds


def page_lines(pdf_path: Path) -> list[list[Line]]:
    """The text lines inside each page's margins (running header and footer left out), top to bottom.

    Read with pdfium, not pdfplumber: pdfminer drops the text of fonts whose encoding is an embedded CMap, which
    WeasyPrint writes for some font subsets (pdfminer.six issue #1072), and would leave the checks blind."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as R

    mm = 72 / 25.4
    top, right, bottom, left = (m * mm for m in MARGINS_MM)
    pages = []
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        for page in pdf:
            kinds = _mcid_kinds(page)
            textpage = page.get_textpage()
            width, height = page.get_size()
            runs = []  # (top, left, text, kind, box) of each text object in the content area
            for obj in page.get_objects(filter=[R.FPDF_PAGEOBJ_TEXT]):
                text = _utf16(R.FPDFTextObj_GetText, obj.raw, textpage.raw).strip()
                x0, y0, x1, y1 = obj.get_bounds()
                if text and x0 >= left - 1 and x1 <= width - right + 1 and height - y1 >= top - 1 \
                        and height - y0 <= height - bottom + 1:
                    kind = kinds.get(R.FPDFPageObj_GetMarkedContentID(obj.raw), "untagged")
                    runs.append((height - y1, x0, text, kind, (x0, height - y1, x1, height - y0, text)))
            lines: list[list[tuple]] = []
            for run in sorted(runs):
                if lines and run[0] - lines[-1][0][0] < 3:  # same line: tops within 3 pt
                    lines[-1].append(run)
                else:
                    lines.append([run])
            pages.append([Line(" ".join(r[2] for r in sorted(ln, key=lambda r: r[1])), ln[0][0],
                               frozenset(r[3] for r in ln), tuple(r[4] for r in ln)) for ln in lines])
    finally:
        pdf.close()
    return pages


def render_pages(pdf_path: Path, out_dir: Path) -> list[Path]:
    for old in out_dir.glob("page-*.png"):
        old.unlink()
    subprocess.run([PDFTOPPM, "-r", str(DPI), "-png", str(pdf_path), str(out_dir / "page")], check=True)
    return sorted(out_dir.glob("page-*.png"))


def fill(png: Path) -> float:
    """Share of the content area's pixel rows that hold anything non-white (text, rules, shading)."""
    from PIL import Image

    px_per_mm = DPI / 25.4
    top, right, bottom, left = (round(m * px_per_mm) for m in MARGINS_MM)
    with Image.open(png) as im:
        area = im.convert("L").crop((left, top, im.width - right, im.height - bottom))
    used = sum(1 for y in range(area.height) if area.crop((0, y, area.width, y + 1)).getextrema()[0] < 245)
    return used / area.height


# --------------------------------------------------------------------------- the checks

def underfilled(pngs: list[Path]) -> list[tuple[int, float]]:
    return [(n, round(f, 3)) for n, f in ((n, fill(p)) for n, p in enumerate(pngs[:-1], 1)) if f < MIN_FILL]


def stranded_at_bottom(pages: list[list[Line]]) -> list[tuple[int, str]]:
    """Pages whose last line is a heading or a table header row."""
    return [(n, lines[-1].text) for n, lines in enumerate(pages, 1)
            if lines and (lines[-1].heading or lines[-1].header_row)]


def overlapping_text(pages: list[list[Line]]) -> list[tuple[int, str, str]]:
    """Text printed over other text (a badge wider than its column, a cell running into the next)."""
    found = []
    for n, lines in enumerate(pages, 1):
        for line in lines:
            for i, a in enumerate(line.boxes):
                for b in line.boxes[i + 1:]:
                    across = min(a[2], b[2]) - max(a[0], b[0])
                    down = min(a[3], b[3]) - max(a[1], b[1])
                    if across > 1 and down > 0.5 * min(a[3] - a[1], b[3] - b[1]):
                        found.append((n, a[4], b[4]))
    return found


def continued_tables(pages: list[list[Line]]) -> tuple[list[int], list[tuple[int, str]]]:
    """(pages that continue a table, those of them that do not start with its header row).

    A page continues a table when its first line is a table row (header or body) and the previous page ended
    inside a table body."""
    continued, headerless = [], []
    for n in range(2, len(pages) + 1):
        before, lines = pages[n - 2], pages[n - 1]
        if not lines or not before or not before[-1].in_table_body:
            continue
        first = lines[0]
        if first.header_row or first.in_table_body:
            continued.append(n)
            if not first.header_row:
                headerless.append((n, first.text))
    return continued, headerless


# --------------------------------------------------------------------------- the five samples

@pytest.fixture(scope="module")
def sample_pdf(policy, tmp_path_factory) -> Path:
    paths = sorted(p for p in SAMPLES.iterdir() if p.suffix in {".pdf", ".docx", ".html", ".md"}
                   and p.name != "README.md")
    assert len(paths) == 5
    result = engine.scan(paths, policy)  # five vendors
    (pdf,) = report.write_reports(result, tmp_path_factory.mktemp("pdf"), ["pdf"])
    return pdf


@pytest.fixture(scope="module")
def sample_pngs(sample_pdf, tmp_path_factory) -> list[Path]:
    out = screenshot_dir(tmp_path_factory, "pdf")
    pngs = render_pages(sample_pdf, out)
    print(f"{len(pngs)} pages: {out}/page-*.png")
    return pngs


@pytest.fixture(scope="module")
def sample_lines(sample_pdf) -> list[list[Line]]:
    return page_lines(sample_pdf)


def test_the_pdf_is_tagged(sample_lines, sample_pngs):
    assert len(sample_lines) == len(sample_pngs) > 1
    lines = [ln for page in sample_lines for ln in page]
    assert sum(ln.heading for ln in lines) >= 6  # title, summary, documents...
    assert sum(ln.header_row for ln in lines) >= 6  # the tables' header rows
    untagged = [ln.text for ln in lines if "untagged" in ln.kinds]
    assert not untagged, f"content outside the PDF's tags: {untagged[:5]}"


def test_no_page_under_10_percent_filled(sample_pngs):
    assert not underfilled(sample_pngs), f"(page, filled) under {MIN_FILL:.0%}: {underfilled(sample_pngs)}"


def test_no_heading_alone_at_the_bottom_of_a_page(sample_lines):
    assert not stranded_at_bottom(sample_lines)


def test_no_text_printed_over_other_text(sample_lines):
    assert not overlapping_text(sample_lines)


def test_table_headers_repeat_on_continued_pages(sample_lines):
    continued, headerless = continued_tables(sample_lines)
    assert len(continued) >= 1  # a table of the five samples runs over a page: the check did run
    assert not headerless, f"pages continuing a table without its header row: {headerless}"


# --------------------------------------------------------------------------- the checks fail when they should

PAGE_CSS = "@page { size: A4; margin: %smm %smm %smm %smm; } body { font: 10pt 'DejaVu Sans'; }" % MARGINS_MM


def _pdf(tmp_path: Path, body: str, css: str = "") -> Path:
    import weasyprint

    path = tmp_path / "probe.pdf"
    path.write_bytes(weasyprint.HTML(string=f"<style>{PAGE_CSS}{css}</style>{body}").write_pdf(pdf_tags=True))
    return path


def _table(n_rows: int) -> str:
    rows = "".join(f"<tr><td>row {i}</td><td>{'some words ' * 8}</td></tr>" for i in range(n_rows))
    return f"<table><thead><tr><th>Name</th><th>Text</th></tr></thead><tbody>{rows}</tbody></table>"


def test_checks_flag_a_stranded_heading_and_a_nearly_empty_page(tmp_path):
    pdf = _pdf(tmp_path, '<div style="height: 240mm"></div><h2>Alone at the bottom</h2>'
                         '<p style="break-before: page">What the heading is about.</p><p>More.</p>')
    pages = page_lines(pdf)
    assert len(pages) == 2
    assert stranded_at_bottom(pages) == [(1, "Alone at the bottom")]
    pngs = render_pages(pdf, tmp_path)
    assert [n for n, _ in underfilled(pngs)] == [1]
    full = _pdf(tmp_path, "<h2>Heading</h2>" + "<p>" + "text " * 2000 + "</p>")
    assert not underfilled(render_pages(full, tmp_path)) and not stranded_at_bottom(page_lines(full))


def test_checks_flag_a_table_continued_without_its_header(tmp_path):
    good = page_lines(_pdf(tmp_path, _table(120)))
    continued, headerless = continued_tables(good)
    assert continued and not headerless
    bad = page_lines(_pdf(tmp_path, _table(120), "thead { display: table-row-group; }"))
    continued, headerless = continued_tables(bad)
    assert continued and [n for n, _ in headerless] == continued


def test_checks_flag_text_printed_over_other_text(tmp_path):
    cells = '<td style="white-space: nowrap">A badge far wider than its column</td><td>99%</td>'
    table = f'<table style="table-layout: fixed; width: 60mm"><tbody><tr>{cells}</tr></tbody></table>'
    assert overlapping_text(page_lines(_pdf(tmp_path, table)))
    assert not overlapping_text(page_lines(_pdf(tmp_path, table.replace("fixed", "auto"))))
