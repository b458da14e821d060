"""DOCX (built with python-docx in a tmp dir) and HTML (small strings) extraction, plus one corpus file each."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from termsgap.extract import InputError, load

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parents[1].parent / "shared/corpus"


# --------------------------------------------------------------------------- DOCX

def _numbered_list(document, num_fmt: str = "decimal", lvl_text: str = "%1."):
    """Add a numbering definition to the document and return its numId (python-docx has no API for this)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    numbering = document.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        f'<w:numFmt w:val="{num_fmt}"/><w:lvlText w:val="{lvl_text}"/></w:lvl></w:abstractNum>')
    numbering.insert(0, abstract)
    num = parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    numbering.append(num)
    return "90"


def _set_num(paragraph, num_id: str, ilvl: int = 0):
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))


@pytest.fixture()
def docx_file(tmp_path):
    import docx
    from docx.enum.text import WD_BREAK
    d = docx.Document()
    d.add_paragraph("Acme AI Data Terms", style="Title")
    d.add_heading("1. Data Use", level=1)
    d.add_paragraph("1.1 Acme AI will not use Customer Prompts to train its models.")
    d.add_paragraph("Prompts are deleted after thirty days.", style="List Bullet")
    d.add_paragraph("Outputs belong to the Customer.", style="List Bullet")
    num = _numbered_list(d)
    for text in ("Acme AI encrypts data at rest.", "Acme AI encrypts data in transit."):
        _set_num(d.add_paragraph(text), num)
    d.add_heading("Subprocessors", level=2)
    t = d.add_table(rows=3, cols=3)
    for r, row in enumerate([("Name", "Purpose", "Location"), ("Nimbus Cloud Ltd", "Hosting", "Ireland"),
                             ("Parcel Mail Inc", "E-mail delivery", "United States")]):
        for c, val in enumerate(row):
            t.cell(r, c).text = val
    p = d.add_paragraph("Acme AI gives thirty days of notice before adding a subprocessor.")
    p.add_run().add_break(WD_BREAK.PAGE)
    d.add_paragraph("2.1 These terms are governed by the laws of Ireland.")
    path = tmp_path / "terms.docx"
    d.save(path)
    return path


def test_docx_blocks_in_document_order(docx_file):
    doc = load(docx_file)
    assert doc.format == "docx"
    got = [(b.kind, b.level, b.text) for b in doc.blocks]
    assert got[:4] == [("heading", 1, "Acme AI Data Terms"), ("heading", 1, "1. Data Use"),
                       ("paragraph", 0, "1.1 Acme AI will not use Customer Prompts to train its models."),
                       ("list_item", 0, "Prompts are deleted after thirty days.")]
    texts = [b.text for b in doc.blocks]
    # numbered list items carry the number Word prints
    assert "1. Acme AI encrypts data at rest." in texts and "2. Acme AI encrypts data in transit." in texts
    # the table sits between its heading and the paragraph that follows it
    i = texts.index("Subprocessors")
    assert [b.kind for b in doc.blocks[i + 1:i + 4]] == ["table_row"] * 3
    assert doc.blocks[i + 2].cells == ("Nimbus Cloud Ltd", "Hosting", "Ireland")
    assert doc.blocks[i + 2].text == "Nimbus Cloud Ltd | Hosting | Ireland"
    assert texts[i + 4].startswith("Acme AI gives thirty days")


def test_docx_pages_from_explicit_breaks(docx_file):
    doc = load(docx_file)
    assert doc.pages == 2
    assert doc.blocks[0].page == 1
    assert doc.blocks[-1].text.startswith("2.1") and doc.blocks[-1].page == 2


def test_docx_without_breaks_has_no_pages(tmp_path):
    import docx
    d = docx.Document()
    d.add_paragraph("Acme AI keeps logs for seven days.")
    p = tmp_path / "flat.docx"
    d.save(p)
    doc = load(p)
    assert doc.blocks[0].page is None and doc.pages == 1


def test_docx_with_markdown_pasted_in(tmp_path):
    import docx
    d = docx.Document()
    d.add_paragraph("1\\. Data Use. ------------")
    d.add_paragraph("*   1.1. Acme AI will not train on Prompts. *   1.2. Acme AI deletes Prompts after "
                    "thirty days. *   1.3. See the [security page](https://acme.example/security).")
    p = tmp_path / "md.docx"
    d.save(p)
    doc = load(p)
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("heading", "1. Data Use."), ("list_item", "1.1. Acme AI will not train on Prompts."),
        ("list_item", "1.2. Acme AI deletes Prompts after thirty days."),
        ("list_item", "1.3. See the security page.")]


def test_corrupt_docx(tmp_path, docx_file):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(docx_file.read_bytes()[:300])
    with pytest.raises(InputError, match="corrupt DOCX"):
        load(bad)
    notzip = tmp_path / "notzip.docx"
    notzip.write_text("Acme AI terms")
    with pytest.raises(InputError, match="not a DOCX"):
        load(notzip)
    import zipfile
    other = tmp_path / "other.docx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("hello.txt", "not a word file")
    with pytest.raises(InputError, match="corrupt DOCX"):
        load(other)


# --------------------------------------------------------------------------- HTML

HTML = """<!doctype html><html><head><meta charset="windows-1252"><title>Acme</title>
<style>p { color: red }</style><script>var x = "Acme AI trains on everything";</script></head>
<body><header><nav><a href="/">Home</a> <a href="/terms">Terms</a></nav></header>
<main><h1>Acme AI Data Terms</h1>
<p>Acme AI will not use Customer Prompts<br>to train its models.</p>
<h2>1. Retention</h2>
<ul><li>Prompts are kept for thirty days.<ul><li>Abuse logs are kept for ninety days.</li></ul></li>
<li>&bull; Outputs belong to the Customer.</li></ul>
<ol><li>Acme AI encrypts data at rest.</li><li>Acme AI encrypts data in transit.</li></ol>
<table><tr><th>Name</th><th>Purpose</th><th>Location</th></tr>
<tr><td>Nimbus Cloud Ltd</td><td>Hosting</td><td>Ireland</td></tr></table>
<div>Loose text in a div, caf\xe9 included.</div>
</main><aside>Related: Acme blog</aside><footer>Copyright Acme 2026</footer></body></html>"""


@pytest.fixture()
def html_file(tmp_path):
    p = tmp_path / "terms.html"
    p.write_bytes(HTML.encode("cp1252"))
    return p


def test_html_blocks(html_file):
    doc = load(html_file)
    assert doc.format == "html"
    got = [(b.kind, b.level, b.text) for b in doc.blocks]
    assert got == [
        ("heading", 1, "Acme AI Data Terms"),
        ("paragraph", 0, "Acme AI will not use Customer Prompts to train its models."),
        ("heading", 2, "1. Retention"),
        ("list_item", 0, "Prompts are kept for thirty days."),
        ("list_item", 1, "Abuse logs are kept for ninety days."),
        ("list_item", 0, "Outputs belong to the Customer."),
        ("list_item", 0, "1. Acme AI encrypts data at rest."),
        ("list_item", 0, "2. Acme AI encrypts data in transit."),
        ("table_row", 0, "Name | Purpose | Location"),
        ("table_row", 0, "Nimbus Cloud Ltd | Hosting | Ireland"),
        ("paragraph", 0, "Loose text in a div, café included."),
    ]
    assert doc.blocks[9].cells == ("Nimbus Cloud Ltd", "Hosting", "Ireland")
    text = doc.text
    for chrome in ("Home", "trains on everything", "Related", "Copyright", "color"):
        assert chrome not in text


def test_html_utf8_without_declaration(tmp_path):
    p = tmp_path / "t.html"
    p.write_bytes("<html><body><p>Acme AI’s terms — no training on Prompts.</p></body></html>".encode())
    assert load(p).text == "Acme AI’s terms — no training on Prompts."


def test_html_without_text(tmp_path):
    p = tmp_path / "empty.html"
    p.write_text("<html><body><script>1</script></body></html>")
    with pytest.raises(InputError, match="no text found"):
        load(p)


# --------------------------------------------------------------------------- real corpus

@pytest.mark.parametrize("fmt,name", [("docx", "openai__services-agreement__2026-08-22.docx"),
                                      ("html", "microsoft__azure-openai-data-privacy__2025-10-03.html")])
def test_corpus_similarity(fmt, name):
    path = CORPUS / fmt / name
    if not path.exists():
        pytest.skip("shared corpus not present")
    sys.path.insert(0, str(REPO / "benchmarks"))
    from extraction import normalize_markdown, normalize_text, similarity, source_for
    doc = load(path)
    src = normalize_markdown(source_for(CORPUS, path).read_text(encoding="utf-8"))
    assert similarity(normalize_text(doc.text), src) >= 0.97
