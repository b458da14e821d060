"""The PDF report as people see it: report.pdf of a scan of all five samples, its pages rendered by poppler's
`pdftoppm -r 50` and read back with pdfplumber.

- no page under 10% filled except the last (share of the content area's pixel rows that hold anything non-white);
- no heading, and no table header row, as the last line of a page;
- a page that continues a table starts with the table's header row.

Headings and table parts are recognised by the PDF's own tags (report.pdf is a tagged PDF: H1-H6, Table, THead,
TBody), looked up through each character's marked-content id, so no font size has to be guessed. The page images go
to reports/screenshots/pdf/ (or a temporary folder). The checks themselves are tested on small PDFs made to fail.
"""
from __future__ import annotations

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
    """One text line of a page's content area, with what the PDF's tags say its characters are."""

    text: str
    top: float
    kinds: frozenset[str]  # per character: "heading", "header-row", "table-body" or "text"

    @property
    def heading(self) -> bool:
        return self.kinds == {"heading"}

    @property
    def header_row(self) -> bool:
        return self.kinds == {"header-row"}

    @property
    def in_table_body(self) -> bool:
        return "table-body" in self.kinds


def _mcid_kinds(page) -> dict[int, str]:
    """Marked-content id -> what the structure tree says that content is."""
    kinds: dict[int, str] = {}

    def walk(node, ancestors: tuple[str, ...]):
        path = ancestors + (node.get("type", ""),)
        if HEADINGS & set(path):
            kind = "heading"
        elif "THead" in path or "TH" in path:
            kind = "header-row"
        elif "TBody" in path or "TD" in path or "TR" in path:
            kind = "table-body"
        else:
            kind = "text"
        for mcid in node.get("mcids") or ():
            kinds[mcid] = kind
        for child in node.get("children") or ():
            walk(child, path)

    for root in page.structure_tree:
        walk(root, ())
    return kinds


def page_lines(pdf_path: Path) -> list[list[Line]]:
    """The text lines inside each page's margins (running header and footer left out), top to bottom."""
    import pdfplumber

    mm = 72 / 25.4
    top, right, bottom, left = (m * mm for m in MARGINS_MM)
    pages = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            kinds = _mcid_kinds(page)
            area = page.within_bbox((left, top, page.width - right, page.height - bottom))
            lines = []
            for raw in area.extract_text_lines(return_chars=True):
                chars = [c for c in raw["chars"] if c["text"].strip()]
                if chars:
                    lines.append(Line(raw["text"], raw["top"],
                                      frozenset(kinds.get(c.get("mcid"), "untagged") for c in chars)))
            pages.append(sorted(lines, key=lambda ln: ln.top))
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
    result = engine.scan(paths, policy, vendor="termsgap samples")
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


def test_table_headers_repeat_on_continued_pages(sample_lines):
    continued, headerless = continued_tables(sample_lines)
    assert len(continued) >= 3  # the five samples' tables run over several pages: the check did run
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
