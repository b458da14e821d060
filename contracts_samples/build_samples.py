#!/usr/bin/env python3
"""Regenerate the generated golden samples from their sources, deterministically.

    python contracts_samples/build_samples.py          # rebuild DOCX and PDF
    python contracts_samples/build_samples.py --check  # also validate every *.expected.yaml

Sources (hand-written, committed):
    src/acme-enterprise-dpa.md          -> acme-enterprise-dpa.docx  (python-docx)
    src/dovetail-platform-agreement.md  -> dovetail-platform-agreement.pdf (WeasyPrint, two columns)
    borealis-chat-terms.html, cinder-customisation-terms.md are themselves the samples.

The sources use a small Markdown subset: '#'/'##'/'###' headings, '- ' bullets, pipe tables,
one paragraph per line, **bold**. Generated files are byte-for-byte reproducible on the same
fonts/library versions: DOCX core properties and ZIP timestamps are pinned, PDF metadata is fixed.
"""
from __future__ import annotations

import datetime as dt
import html
import io
import os
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / ".src"  # hidden: a scan of this folder reads the rendered samples, not their sources
FIXED_DATE = dt.datetime(2026, 1, 1, 0, 0, 0)

# ---------------------------------------------------------------- mini Markdown parser

def parse_blocks(text: str) -> list[tuple]:
    """Return blocks: ('h', level, text) | ('p', text) | ('ul', [items]) | ('table', [rows])."""
    blocks: list[tuple] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            i += 1
            continue
        m = re.match(r"^(#{1,3})\s+(.*)$", line)
        if m:
            blocks.append(("h", len(m.group(1)), m.group(2).strip()))
            i += 1
        elif line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(lines[i][2:].strip())
                i += 1
            blocks.append(("ul", items))
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            blocks.append(("table", rows))
        else:
            blocks.append(("p", line.strip()))
            i += 1
    return blocks


def plain(s: str) -> str:
    return s.replace("**", "")


def inline_html(s: str) -> str:
    s = html.escape(s, quote=False)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", s)


# ---------------------------------------------------------------- DOCX

def build_docx(src: Path, out: Path) -> None:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    for block in parse_blocks(src.read_text(encoding="utf-8")):
        kind = block[0]
        if kind == "h":
            level, text = block[1], plain(block[2])
            if level == 1:
                doc.add_heading(text, level=0)  # Title style
            else:
                doc.add_heading(text, level=level - 1)
        elif kind == "p":
            para = doc.add_paragraph()
            for part in re.split(r"(\*\*.+?\*\*)", block[1]):
                if part.startswith("**") and part.endswith("**"):
                    para.add_run(part[2:-2]).bold = True
                elif part:
                    para.add_run(part)
        elif kind == "ul":
            for item in block[1]:
                doc.add_paragraph(plain(item), style="List Bullet")
        elif kind == "table":
            rows = block[1]
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = plain(cell)
                    if r == 0:
                        for run in table.cell(r, c).paragraphs[0].runs:
                            run.bold = True
    cp = doc.core_properties
    cp.author = "termsgap samples"
    cp.last_modified_by = "termsgap samples"
    cp.title = plain(parse_blocks(src.read_text(encoding="utf-8"))[0][2])
    cp.created = FIXED_DATE
    cp.modified = FIXED_DATE
    cp.last_printed = FIXED_DATE
    cp.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    # pin ZIP member timestamps so the file is reproducible
    zin = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    outbuf = io.BytesIO()
    with zipfile.ZipFile(outbuf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, zin.read(info.filename))
    out.write_bytes(outbuf.getvalue())


# ---------------------------------------------------------------- two-column PDF

PDF_CSS = """
@page {
  size: Letter;
  margin: 0.85in 0.7in 0.8in 0.7in;
  @top-center { content: "%(header)s"; font: italic 8pt 'DejaVu Serif'; color: #555; }
  @bottom-center { content: "Page " counter(page) " of " counter(pages); font: 8pt 'DejaVu Serif'; color: #555; }
}
html { font-family: 'DejaVu Serif', serif; font-size: 9pt; line-height: 1.32; }
body { columns: 2; column-gap: 0.28in; text-align: justify; hyphens: auto; margin: 0; }
h1 { column-span: all; text-align: center; font-size: 15pt; margin: 0 0 4pt 0; }
p.lead { column-span: all; text-align: center; font-style: italic; margin: 0 0 12pt 0; }
h2 { font-size: 10pt; margin: 9pt 0 3pt 0; break-after: avoid; text-transform: uppercase; letter-spacing: 0.3pt; }
h3 { font-size: 9pt; margin: 6pt 0 2pt 0; }
p { margin: 0 0 4pt 0; orphans: 2; widows: 2; }
ul { margin: 0 0 4pt 0; padding-left: 14pt; }
table { width: 100%%; border-collapse: collapse; font-size: 7.5pt; margin: 3pt 0 6pt 0; text-align: left; hyphens: manual; }
th, td { border: 0.5pt solid #444; padding: 2pt 3pt; vertical-align: top; }
th { background: #e8e8e8; }
"""


def md_to_html(src_text: str, header: str) -> str:
    blocks = parse_blocks(src_text)
    out = []
    first_p_done = False
    for block in blocks:
        kind = block[0]
        if kind == "h":
            out.append(f"<h{block[1]}>{inline_html(block[2])}</h{block[1]}>")
        elif kind == "p":
            cls = ' class="lead"' if not first_p_done else ""
            first_p_done = True
            out.append(f"<p{cls}>{inline_html(block[1])}</p>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{inline_html(x)}</li>" for x in block[1]) + "</ul>")
        elif kind == "table":
            rows = block[1]
            head = "".join(f"<th>{inline_html(c)}</th>" for c in rows[0])
            body = "".join("<tr>" + "".join(f"<td>{inline_html(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    title = html.escape(plain(blocks[0][2]))
    css = PDF_CSS % {"header": header.replace('"', '\\"')}
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>"
        '<meta name="author" content="termsgap samples">'
        '<meta name="dcterms.created" content="2026-01-01T00:00:00Z">'
        '<meta name="dcterms.modified" content="2026-01-01T00:00:00Z">'
        f"<style>{css}</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n"
    )


def build_pdf(src: Path, out: Path, header: str) -> None:
    # fontTools stamps subset fonts with the current time unless SOURCE_DATE_EPOCH is set
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(int(FIXED_DATE.replace(tzinfo=dt.timezone.utc).timestamp())))
    from weasyprint import HTML

    doc_html = md_to_html(src.read_text(encoding="utf-8"), header)
    HTML(string=doc_html, base_url=str(HERE)).write_pdf(out, uncompressed_pdf=False)


# ---------------------------------------------------------------- expected.yaml validation

QUESTIONS = {
    "training.customer-content": {"never", "opt-in", "opt-out", "yes"},
    "training.fine-tuning-data": {"customer-only", "vendor-may-use"},
    "training.fine-tuned-model-exclusive": {"exclusive", "shared"},
    "training.feedback": {"may-use", "not-used"},
    "access.human-review": {"no", "flagged-only", "yes"},
    "access.abuse-monitoring-opt-out": {"available", "not-available"},
    "access.third-party-sharing": {"no", "yes", "with-consent"},
    "access.subprocessors": {"notice-and-objection", "notice-only", "list-only", "none"},
    "access.government-requests": {"notify", "no-commitment"},
    "retention.prompts-outputs": {"zero", "days", "until-deleted", "indefinite"},
    "retention.fine-tuning-data": {"customer-deletable", "vendor-retains"},
    "retention.post-termination": {"deleted", "retained"},
    "location.data-residency": {"committed", "not-committed"},
    "location.international-transfers": {"safeguarded", "unspecified"},
    "security.encryption": {"at-rest-and-in-transit", "partial", "customer-managed-keys"},
    "security.breach-notification": {"hours", "undue-delay", "none"},
    "security.audits": {"audit-rights", "certifications", "none"},
    "contract.unilateral-changes": {"notice", "no-notice", "mutual"},
    "contract.output-ownership": {"customer", "vendor", "shared"},
}


def _norm(s: str) -> str:
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", s).strip()


def sample_text(path: Path) -> str:
    """Plain text of a sample as a reader sees it (PDF: its Markdown source)."""
    if path.suffix == ".md":
        return plain(path.read_text(encoding="utf-8"))
    if path.suffix == ".html":
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
        return soup.get_text(" ")
    if path.suffix == ".docx":
        from docx import Document

        d = Document(str(path))
        parts = [p.text for p in d.paragraphs]
        for t in d.tables:
            for row in t.rows:
                parts.append(" | ".join(c.text for c in row.cells))
        return "\n".join(parts)
    if path.suffix == ".pdf":
        return plain((SRC / (path.stem + ".md")).read_text(encoding="utf-8"))
    raise ValueError(path)


def check() -> int:
    import yaml

    errors = 0
    for exp in sorted(HERE.glob("*.expected.yaml")):
        data = yaml.safe_load(exp.read_text(encoding="utf-8"))
        doc = HERE / data["document"]
        if not doc.exists():
            print(f"{exp.name}: document {data['document']} missing")
            errors += 1
            continue
        text = _norm(sample_text(doc))
        labels = data["labels"]
        if set(labels) != set(QUESTIONS):
            print(f"{exp.name}: question ids differ: {set(labels) ^ set(QUESTIONS)}")
            errors += 1
        for qid, lab in labels.items():
            answers = lab["answers"]
            bad = [a for a in answers if a not in QUESTIONS.get(qid, set()) | {"not-addressed"}]
            if bad:
                print(f"{exp.name}: {qid}: invalid answers {bad}")
                errors += 1
            if answers == ["not-addressed"] and lab["evidence"]:
                print(f"{exp.name}: {qid}: not-addressed with evidence")
                errors += 1
            if "not-addressed" not in answers and not lab["evidence"]:
                print(f"{exp.name}: {qid}: answer without evidence")
                errors += 1
            for ev in lab["evidence"]:
                if _norm(ev) not in text:
                    print(f"{exp.name}: {qid}: evidence not found verbatim: {ev[:80]!r}")
                    errors += 1
        print(f"{exp.name}: checked {len(labels)} labels")
    return errors


def main(argv: list[str]) -> int:
    build_docx(SRC / "acme-enterprise-dpa.md", HERE / "acme-enterprise-dpa.docx")
    build_pdf(
        SRC / "dovetail-platform-agreement.md",
        HERE / "dovetail-platform-agreement.pdf",
        header="Dovetail Labs, Inc. \u2014 Platform Services Agreement (Form PSA-2026.1)",
    )
    print("built acme-enterprise-dpa.docx, dovetail-platform-agreement.pdf")
    if "--check" in argv:
        n = check()
        print("OK" if n == 0 else f"{n} problem(s)")
        return 1 if n else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
