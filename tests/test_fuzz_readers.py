"""Fuzzing the readers of untrusted input with Hypothesis (issue 9).

Every reader, fed arbitrary bytes, near-valid text or a mutated real structure, either returns its result or raises
the project's error for a bad input: `InputError` (one line) for a document, `PolicyError` / `ChecklistError` /
`WaiverError` (one line per problem, each naming the file) for YAML. Never another exception, never a hang.
Derandomized and bounded, so CI sees the same examples every run; a deeper, random run for a hunt:
`TERMSGAP_FUZZ_EXAMPLES=20000 pytest tests/test_fuzz_readers.py --hypothesis-show-statistics`.
"""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from termsgap import safeyaml
from termsgap.extract import InputError, detect_format
from termsgap.extract import docx as docx_reader
from termsgap.extract import html as html_reader
from termsgap.extract import text as text_reader
from termsgap.extract.segment import segment
from termsgap.facts.checklist import ChecklistError, load_checklist
from termsgap.policy import POLICY_DIR, PolicyError, load_policy
from termsgap.policy.waivers import WaiverError, parse_waivers

_DEEP = os.environ.get("TERMSGAP_FUZZ_EXAMPLES")
FUZZ = settings(max_examples=int(_DEEP or 200), deadline=None, derandomize=not _DEEP, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def one_line(exc: Exception, path: str) -> None:
    msg = str(exc)
    assert msg.startswith(path) and "\n" not in msg and len(msg) < 400, msg


def each_line_names(exc: Exception, path: str) -> None:
    lines = str(exc).splitlines()
    assert lines and all(line.startswith(path) for line in lines), str(exc)


def read(reader, path: Path, data: bytes, **kw) -> None:
    try:
        doc = reader(path, data, "0" * 64, **kw)
    except InputError as exc:
        one_line(exc, str(path))
        event(f"InputError: {exc.reason.split('(')[0]}")
        return
    event("read")
    assert doc.blocks and all(b.text for b in doc.blocks)
    segment(doc)


# --------------------------------------------------------------------------- text and Markdown

MD_PIECES = ["# ", "###### ", "#", "\n", "\n\n", "\r\n", "\r", " ", "   ", "\t", "|", "| a | b |\n", "|---|---|\n",
             "---", "===", "- ", "* ", "+ ", "• ", "1. ", "1) ", "4.2 ", "(a) ", "iv. ", "> ", ">", "[", "]", "(",
             ")", "](", "![", "<a href='x'>", "</b>", "<", ">", "_", "__", "*", "**", "`", "```", "\\", "…",
             "Provider will not use Customer Data to train models.", "Data is deleted within 30 days",
             "word", "1.2.3", "\x00", "\ufeff", "\u2028", "\x0b", "\x0c", "\x85", "\u00a0", "\u00ad", "\ud7ff",
             "é", "中文", "\U0001F600"]


def pieces(alphabet: list[str], max_size: int = 60):
    return st.lists(st.sampled_from(alphabet) | st.text(max_size=8), max_size=max_size).map("".join)


@FUZZ
@given(data=st.binary(max_size=3000), markdown=st.booleans())
def test_text_reader_on_arbitrary_bytes(data, markdown):
    read(text_reader.extract, Path("terms.md"), data, markdown=markdown)


@FUZZ
@given(text=pieces(MD_PIECES, 120), markdown=st.booleans(), encoding=st.sampled_from(["utf-8", "utf-16",
                                                                                     "utf-8-sig"]))
@example(text="# a" + " " * 5000 + "b", markdown=True, encoding="utf-8")
def test_text_reader_on_near_markdown(text, markdown, encoding):
    read(text_reader.extract, Path("terms.md"), text.encode(encoding, "surrogatepass"), markdown=markdown)


# --------------------------------------------------------------------------- HTML

HTML_PIECES = ["<!doctype html>", "<html>", "<body>", "</body>", "<head><title>t</title></head>", "<p>", "</p>",
               "<div>", "</div>", "<span>", "<h1>", "</h1>", "<h7>", "<ol>", "<ol start='3' type='i'>",
               "<ol start='-4' type='a'>", "<ol start='99999999999999999999' type='I'>", "<ol start='x'>", "</ol>",
               "<ul>", "</ul>", "<li>", "</li>", "<table>", "<tr>", "<td>", "<th colspan=2>", "</td>", "</tr>",
               "</table>", "<br>", "<br/>", "<hr>", "<!--", "-->", "<![CDATA[", "]]>", "<script>", "</script>",
               "<style>", "<nav>", "<div hidden>", "<template>", "<svg>", "<math>", "<?xml version='1.0'?>",
               "<meta charset='utf-16'>", "<meta charset='bogus'>", "&amp;", "&#0;", "&#xD800;", "&#1114112;",
               "&nbsp;", "&", "<", ">", "\"", "'", "=", "\x00", "\ufeff", "\n", " ", "word",
               "The provider deletes prompts after 30 days.", "é", "\U0001F600"]


@FUZZ
@given(data=st.binary(max_size=3000))
def test_html_reader_on_arbitrary_bytes(data):
    read(html_reader.extract, Path("terms.html"), data)


@FUZZ
@given(text=pieces(HTML_PIECES, 150), encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]))
@example(text="<ol start='1000000000000000' type='i'><li>Prompts are deleted.</li></ol>", encoding="utf-8")
def test_html_reader_on_near_html(text, encoding):
    read(html_reader.extract, Path("terms.html"), text.encode(encoding, "replace"))


@FUZZ
@given(data=st.binary(max_size=200), name=st.sampled_from(["x.pdf", "x.docx", "x.md", "x.txt", "x.html", "x",
                                                             "x.exe", "x.HTM"]))
def test_format_detection(data, name):
    try:
        assert detect_format(Path(name), data) in {"pdf", "docx", "html", "markdown", "text"}
    except InputError as exc:
        one_line(exc, name)


# --------------------------------------------------------------------------- DOCX: a small package, mutated

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
        'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main'
        '+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.numbering+xml"/><Override PartName="/word/styles.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'),
    "word/_rels/document.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/numbering" Target="numbering.xml"/><Relationship Id="rId2" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>'),
    "word/styles.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{W_NS}"><w:style w:type="paragraph" '
        'w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="paragraph" '
        'w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/></w:style><w:style '
        'w:type="paragraph" w:styleId="ListNumber"><w:name w:val="List Number"/><w:basedOn w:val="Normal"/><w:pPr>'
        '<w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style></w:styles>'),
    "word/numbering.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><w:numbering xmlns:w="{W_NS}"><w:abstractNum w:abstractNumId="0">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerRoman"/><w:lvlText w:val="%1.%2"/></w:lvl>'
        '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>'),
    "word/document.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>'
        '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Data use</w:t></w:r></w:p>'
        '<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>Prompts are '
        'deleted after 30 days.</w:t></w:r></w:p>'
        '<w:p><w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>Backups too.'
        '</w:t></w:r></w:p>'
        '<w:p><w:pPr><w:pStyle w:val="ListNumber"/></w:pPr><w:r><w:t>Outputs belong to you.</w:t></w:r>'
        '<w:r><w:br w:type="page"/></w:r></w:p>'
        '<w:sdt><w:sdtContent><w:p><w:r><w:t>* item one *   item two</w:t></w:r></w:p></w:sdtContent></w:sdt>'
        '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Subprocessor</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Ireland'
        '</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
        '<w:p><w:pPr><w:pageBreakBefore/></w:pPr><w:r><w:t>These terms are governed by Irish law.</w:t></w:r>'
        '</w:p></w:body></w:document>'),
}
ATTR_VALUES = ["", "0", "-1", "1", "9", "10", "99999999999999999999", "1e9", "abc", "%1%2%3%9", "%", "upperRoman",
               "lowerLetter", "bullet", "none", "Heading1", "ListNumber", "Normal", "page", "true", "\u00e9"]


def docx_bytes(parts: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return buf.getvalue()


def test_the_unmutated_package_reads():
    doc = docx_reader.extract(Path("t.docx"), docx_bytes(_PARTS), "0" * 64)
    texts = [b.text for b in doc.blocks]
    assert "1. Prompts are deleted after 30 days." in texts and doc.pages == 3


@st.composite
def mutated_parts(draw):
    """Replace attribute values, cut or splice the XML of one or more parts, or drop a part."""
    parts = dict(_PARTS)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(parts)))
        body = parts[name]
        how = draw(st.sampled_from(["attr", "attr", "attr", "attr", "cut", "splice", "drop"]))
        if how == "drop":
            parts.pop(name)
            if not parts:
                break
            continue
        quotes = [i for i, ch in enumerate(body) if ch == '"']
        if how == "attr" and len(quotes) >= 2:
            k = draw(st.integers(0, len(quotes) // 2 - 1)) * 2
            value = draw(st.sampled_from(ATTR_VALUES) | st.text(max_size=6).map(lambda s: s.replace('"', "")))
            body = body[:quotes[k] + 1] + value + body[quotes[k + 1]:]
        elif how == "cut":
            i = draw(st.integers(0, len(body)))
            j = draw(st.integers(i, len(body)))
            body = body[:i] + body[j:]
        else:
            i = draw(st.integers(0, len(body)))
            body = body[:i] + draw(st.sampled_from(["<w:p>", "</w:p>", "<w:r><w:t>x</w:t></w:r>", "<w:tbl>",
                                                    "<w:br w:type=\"page\"/>", "&#0;", "<!DOCTYPE x [", "\x00",
                                                    "<w:sdt>", "<w:numPr/>", "<w:lvl/>"])) + body[i:]
        parts[name] = body
    return parts


@FUZZ
@given(parts=mutated_parts())
def test_docx_reader_on_mutated_packages(parts):
    read(docx_reader.extract, Path("terms.docx"), docx_bytes(parts))


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8),
       cut=st.none() | st.integers(0, 10_000))
def test_docx_reader_on_corrupted_zip_bytes(edits, cut):
    data = bytearray(docx_bytes(_PARTS))
    for pos, byte in edits:
        data[pos % len(data)] = byte
    read(docx_reader.extract, Path("terms.docx"), bytes(data[:cut] if cut is not None else data))


# --------------------------------------------------------------------------- YAML: policies, checklists, waivers

YAML_PIECES = ["\n", "  ", "- ", ": ", "? ", "&a ", "*a", "&b [", "*b", "[", "]", "{", "}", ",", "!!python/object:os.system",
               "!!binary", "!!timestamp", "!!float", "!!set", "!!omap", "<<: ", "---\n", "...\n", "%YAML 1.1\n",
               "%TAG ! tag:x,2002:\n", "#", "'", '"', "|", ">", "\\", "\t", "\x00", "\ufeff", "schema_version",
               "waivers", "question", "expires", "2027-13-01", "2027-06-30", "fingerprints", "0123456789abcdef",
               "name", "version", "questions", "compliant", "days<=30", "checklist", "../../etc/passwd",
               "min_confidence", "1e400", ".nan", "~", "null", "true", "é", "\U0001F600"]


@FUZZ
@given(text=pieces(YAML_PIECES, 80) | st.text(max_size=300))
def test_safeyaml_and_waivers_on_near_yaml(text):
    try:
        safeyaml.load(text)
    except yaml.YAMLError:
        pass
    try:
        parse_waivers(text, "w.yaml")
    except WaiverError as exc:
        each_line_names(exc, "w.yaml")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
    | st.sampled_from(["compliant", "zero", "days<=30", "days>", "*", "retention.prompts-outputs", "2027-06-30"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8) | st.sampled_from(
        ["question", "vendor", "reason", "approver", "expires", "fingerprints", "compliant", "gap", "remediation",
         "questions", "name", "version", "ignore_scopes"]), children, max_size=4),
    max_leaves=20)


@FUZZ
@given(waivers=st.lists(st.fixed_dictionaries(
    {"question": json_values, "vendor": json_values, "reason": json_values, "approver": json_values,
     "expires": json_values}, optional={"fingerprints": json_values, "created": json_values, "extra": json_values}),
    max_size=3), version=json_values | st.just(1))
def test_waivers_on_wrong_structures(waivers, version):
    text = yaml.safe_dump({"schema_version": version, "waivers": waivers}, allow_unicode=True)
    try:
        parse_waivers(text, "w.yaml", questions=["retention.prompts-outputs"])
    except WaiverError as exc:
        each_line_names(exc, "w.yaml")


DEFAULT_POLICY = yaml.safe_load((POLICY_DIR / "default.yaml").read_text(encoding="utf-8"))


@st.composite
def mutated_policy(draw):
    """The default policy with some values replaced by arbitrary ones (at any depth), keys added or removed."""
    import copy

    data = copy.deepcopy(DEFAULT_POLICY)
    for _ in range(draw(st.integers(1, 4))):
        node = data
        while isinstance(node, dict) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node, key=str)))
            if not isinstance(node[key], dict):
                break
            node = node[key]
        if not isinstance(node, dict):
            continue
        key = draw((st.sampled_from(sorted(node, key=str)) if node else st.nothing()) | st.text(max_size=6))
        if draw(st.booleans()) and key in node:
            del node[key]
        else:
            node[key] = draw(json_values)
    return data


@FUZZ
@given(data=mutated_policy() | json_values)
def test_policy_loader_on_mutated_policies(tmp_path, data):
    path = tmp_path / "policy.yaml"
    if isinstance(data, dict) and isinstance(data.get("checklist"), str) and data["checklist"] != "checklist.yaml":
        data = {**data, "checklist": str(POLICY_DIR / "checklist.yaml")}  # never a file outside the package
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    if "checklist" not in (data if isinstance(data, dict) else {}):
        (tmp_path / "checklist.yaml").write_text((POLICY_DIR / "checklist.yaml").read_text(encoding="utf-8"),
                                                 encoding="utf-8")
    try:
        load_policy(path)
    except PolicyError as exc:
        lines = str(exc).splitlines()
        assert lines and all(str(tmp_path) in line or str(POLICY_DIR) in line for line in lines), str(exc)


@FUZZ
@given(text=pieces(YAML_PIECES, 80), raw=st.binary(max_size=300))
def test_policy_and_checklist_loaders_on_near_yaml_and_bytes(tmp_path, text, raw):
    for body in (text.encode("utf-8", "surrogatepass"), raw):
        path = tmp_path / "file.yaml"
        path.write_bytes(body)
        try:
            load_policy(path)
        except PolicyError as exc:
            each_line_names(exc, str(path))
        try:
            load_checklist(path)
        except ChecklistError as exc:
            each_line_names(exc, str(path))
