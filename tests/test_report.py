"""Reports: the JSON contract, the self-contained HTML, the PDF, atomic writes and the terminal summary."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from termsgap import atomic

from termsgap import report
from termsgap.models import (Evidence, DocumentResult, Finding, PolicyInfo, RunResult, ScopedAnswer, ToolInfo,
                             Verdict, Waiver)
from termsgap.report import json_report, markdown_report
from termsgap.vendors import complete

QUOTE_TRAIN = "We may use Content to improve our Services unless you opt out in the settings."
QUOTE_ENTERPRISE = "For Enterprise customers, Acme does not use Customer Content to train models."
QUOTE_RETENTION = "Prompts and outputs are stored for up to ninety (90) days for abuse monitoring."
QUOTE_REVIEW = "Authorized employees may review Content to investigate abuse <script>alert('x')</script> & fraud."
QUOTE_BREACH = "Acme will notify Customer of a Security Incident within seventy-two (72) hours."
QUOTE_SUBPROC = "We will post changes to the sub-processor list at least 14 days in advance."
QUOTE_TRANSFER = "Transfers are governed by the Standard Contractual Clauses."
ERROR = "cannot read DOCX: file is not a zip archive"


def ev(quote, page=None, line=None, section="", clause=None) -> Evidence:
    return Evidence(quote=quote, page=page, line=line, section=section, clause=clause)


def make_result() -> RunResult:
    waiver = Waiver(question="access.human-review", vendor="Acme AI", reason="Enterprise addendum limits review",
                    approver="J. Doe (DPO)", expires="2026-03-31", fingerprints=("0123456789abcdef",))
    findings = (
        Finding(question="training.customer-content", title="Training on customer content", answer="opt-out",
                verdict=Verdict.PARTIAL, confidence=0.82,
                evidence=(ev(QUOTE_TRAIN, 4, None, "3 Data Use", "3.2"),),
                scoped=(ScopedAnswer(answer="never", scope="Enterprise tier",
                                     evidence=(ev(QUOTE_ENTERPRISE, 4, None, "3 Data Use", "3.3"),)),
                        ScopedAnswer(answer="opt-out", scope="Free tier")),
                rationale="Used unless the customer opts out.",
                remediation="Opt out in the admin console and ask for a no-training clause."),
        Finding(question="retention.prompts-outputs", title="Retention of prompts and outputs", answer="days",
                value=90, verdict=Verdict.GAP, confidence=0.95,
                evidence=(ev(QUOTE_RETENTION, 5, None, "4 Retention", "4.1"),),
                remediation="Negotiate zero data retention or at most 30 days."),
        Finding(question="access.human-review", title="Human review", answer="yes", verdict=Verdict.WAIVED,
                confidence=0.9, evidence=(ev(QUOTE_REVIEW, 6, None, "5 Safety", "5.1"),),
                remediation="Request modified abuse monitoring.", waiver=waiver,
                waiver_note="waiver fingerprint matches the current clause"),
        Finding(question="security.breach-notification", title="Breach notification", answer="hours", value=72,
                verdict=Verdict.COMPLIANT, confidence=1.0,
                evidence=(ev(QUOTE_BREACH, 7, None, "6 Security > 6.4 Incidents", "6.4"),)),
        Finding(question="location.data-residency", title="Data residency", answer="not-addressed",
                verdict=Verdict.NOT_ADDRESSED, confidence=1.0, remediation="Ask for an EU residency commitment."),
        Finding(question="access.subprocessors", title="Sub-processors", answer="notice-only", value=14,
                verdict=Verdict.REVIEW, confidence=0.45, evidence=(ev(QUOTE_SUBPROC, 8, None, "7 Subprocessors"),),
                remediation="Confirm whether the customer may object."),
        Finding(question="location.international-transfers", title="International transfers", answer="safeguarded",
                verdict=Verdict.COMPLIANT, confidence=0.9, evidence=(ev(QUOTE_TRANSFER, None, 42, "Transfers"),)),
    )
    return RunResult(
        tool=ToolInfo(version="0.1.0"), policy=PolicyInfo(name="acme-default", version="2.1"), vendor="Acme AI",
        created="2025-06-01T10:00:00+00:00",
        documents=(
            DocumentResult(source="contracts/acme-dpa.pdf", sha256="a" * 64, pages=12, findings=findings,
                           warnings=("page 11 has no text layer",)),
            DocumentResult(source="contracts/acme-terms.docx", sha256="b" * 64, status="error", error=ERROR),
        ),
    )


@pytest.fixture(scope="module")
def result() -> RunResult:
    return make_result()


@pytest.fixture(scope="module")
def html(result) -> str:
    return report.render(result, "html").decode("utf-8")


@pytest.fixture(scope="module")
def written(result, tmp_path_factory) -> Path:
    """The one PDF render of the module: all default formats written to a directory."""
    out = tmp_path_factory.mktemp("reports")
    report.write_reports(result, out)
    return out


# --------------------------------------------------------------------------- registry

def test_registry_has_every_format():
    assert {"json", "html", "pdf", "md"} <= set(report.available_formats())
    assert report.DEFAULT_FORMATS == ("json", "html", "pdf")
    assert report.get_renderer("pdf").filename == "report.pdf"
    with pytest.raises(report.UnknownFormat):
        report.get_renderer("docx")


def test_unknown_format_writes_nothing(result, tmp_path):
    with pytest.raises(report.UnknownFormat):
        report.write_reports(result, tmp_path, ("json", "nope"))
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- JSON

def test_json_contract_and_round_trip(result):
    text = report.render(result, "json").decode("utf-8")
    data = json.loads(text)
    assert list(data) == ["schema_version", "tool", "policy", "vendor", "created", "skipped", "counts",
                          "documents", "vendors"]
    assert data["schema_version"] == "1.3"
    assert data["tool"] == {"name": "termsgap", "version": "0.1.0"}
    assert data["policy"] == {"name": "acme-default", "version": "2.1"}
    assert data["counts"] == {"compliant": 2, "partial": 1, "gap": 1, "not-addressed": 1, "review": 1, "waived": 1}
    doc = data["documents"][0]
    assert list(doc) == ["source", "sha256", "pages", "vendor", "name", "title", "effective", "version", "kind",
                         "status", "error", "warnings", "counts", "findings"]
    assert data["vendors"][0]["name"] == "Acme AI" and len(data["vendors"][0]["findings"]) == len(doc["findings"])
    assert doc["counts"]["gap"] == 1
    f = doc["findings"][0]
    assert list(f) == ["question", "title", "answer", "plain", "verdict_scope", "value", "verdict", "confidence",
                       "evidence", "scoped", "rationale", "remediation", "waiver", "waiver_note", "candidates"]
    assert {"quote", "page", "line", "section", "clause"} <= set(f["evidence"][0])
    assert f["scoped"][0]["scope"] == "Enterprise tier"
    assert doc["findings"][2]["waiver"]["approver"] == "J. Doe (DPO)"
    err = data["documents"][1]
    assert (err["status"], err["error"]) == ("error", ERROR)

    # stable, readable layout
    assert text.startswith('{\n  "schema_version": "1.3",') and text.endswith("}\n")
    assert report.render(result, "json").decode("utf-8") == text
    # written piece by piece (bounded memory), the text is what dumping the whole dict gives
    assert text == json.dumps(json_report.to_dict(complete(result)), indent=2, ensure_ascii=False) + "\n"
    assert "\\u" not in json.dumps(data, ensure_ascii=False)  # ensure_ascii=False keeps text as written

    # back to the model: counts are computed, so they are dropped (and checked) before validation
    assert json_report.loads(text) == complete(result)  # the vendor view is added to a result built without it
    stripped = {k: v for k, v in data.items() if k != "counts"}
    stripped["documents"] = [{k: v for k, v in d.items() if k != "counts"} for d in data["documents"]]
    stripped["vendors"] = [{k: v for k, v in d.items() if k != "counts"} for d in data["vendors"]]
    assert RunResult.model_validate(stripped) == complete(result)


def test_json_reader_rejects_wrong_counts_and_schema(result):
    data = json_report.to_dict(result)
    data["counts"] = dict(data["counts"], gap=0)
    with pytest.raises(json_report.ReportFormatError, match="counts"):
        json_report.from_dict(data)
    data = json_report.to_dict(result)
    data["schema_version"] = "2.0"
    with pytest.raises(json_report.ReportFormatError, match="schema"):
        json_report.from_dict(data)


def test_json_keeps_non_ascii():
    r = make_result().model_copy(update={"vendor": "Société Générale IA"})
    assert "Société Générale IA" in report.render(r, "json").decode("utf-8")


# --------------------------------------------------------------------------- HTML

def _text(html: str) -> str:
    """Visible-ish text: soft-break hints removed, entities left as written."""
    return html.replace("<wbr>", "")


def test_html_has_every_question_verdict_quote_and_locator(result, html):
    text = _text(html)
    for d in result.documents:
        for f in d.findings:
            assert f.question in text
            assert f.title in text
    for label in ("Gap", "Partial", "Review", "Not addressed", "Waived", "Compliant"):
        assert f">{label}" in text
    for q in (QUOTE_TRAIN, QUOTE_ENTERPRISE, QUOTE_RETENTION, QUOTE_BREACH, QUOTE_SUBPROC, QUOTE_TRANSFER):
        assert q in text
    assert "p. 4 · §3 Data Use › 3.2" in text
    assert "p. 7 · §6 Security › 6.4 Incidents" in text  # clause already in the heading: not repeated
    assert "line 42 · §Transfers" in text
    assert "90 days" in text and "72 hours" in text and "14 days&#39; notice" in text
    assert "For Free tier: opt-out" in text and "For Enterprise tier: never" in text
    assert "82%" in text and "45%" in text


def test_html_summary_metadata_and_gap_list(result, html):
    text = _text(html)
    for s in ("Acme AI", "contracts/acme-dpa.pdf", "2025-06-01T10:00:00+00:00", "acme-default", "v2.1", "v0.1.0"):
        assert s in text
    vendor = text[text.index('id="vendor-1"'):]
    order = [vendor.index(f'id="v1-{q}"') for q in
             ("retention.prompts-outputs", "access.subprocessors", "training.customer-content",
              "location.data-residency")]
    assert order == sorted(order)  # gap, review, partial, not-addressed
    board = text[text.index('id="board"'):text.index('id="vendor-1"')]
    assert board.index('href="#v1-retention.prompts-outputs"') < board.index('href="#v1-training.customer-content"')


def test_html_remediation_waiver_error_and_warnings(html):
    text = _text(html)
    for rem in ("Opt out in the admin console", "Negotiate zero data retention", "Confirm whether the customer",
                "Ask for an EU residency commitment"):
        assert rem in text
    assert "J. Doe (DPO)" in text and "2026-03-31" in text and "Enterprise addendum limits review" in text
    assert "waiver fingerprint matches the current clause" in text
    assert f"contracts/acme-terms.docx</code>: {ERROR}" in text
    assert "page 11 has no text layer" in text


def test_html_escapes_document_text(html):
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; fraud." in html


def test_html_is_self_contained(html):
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"<link\b", html, re.I)
    assert not re.search(r"<script\b", html, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", html, re.I)
    assert "<style>" in html and "@page" in html and "counter(pages)" in html


# --------------------------------------------------------------------------- PDF and writing

def test_write_reports_default_formats_and_pdf(written, result):
    assert sorted(p.name for p in written.iterdir()) == ["report.html", "report.json", "report.pdf"]
    assert json_report.loads((written / "report.json").read_bytes()) == complete(result)
    assert report.read_json(written / "report.json") == complete(result)
    pdf = (written / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")

    pdfium = pytest.importorskip("pypdfium2")
    doc = pdfium.PdfDocument(pdf)
    try:
        text = " ".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
    flat = " ".join(text.split())
    assert "ninety (90) days for abuse monitoring" in flat
    assert "1 / " in flat  # page numbers in the footer


def test_failing_renderer_leaves_existing_reports_intact(result, tmp_path, monkeypatch):
    report.write_reports(result, tmp_path, ("json", "md"))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def boom(_result):
        raise RuntimeError("WeasyPrint exploded")

    monkeypatch.setitem(report.RENDERERS, "pdf", report.Renderer("pdf", "report.pdf", boom))
    changed = make_result().model_copy(update={"vendor": "Other vendor"})
    with pytest.raises(RuntimeError, match="exploded"):
        report.write_reports(changed, tmp_path, ("json", "md", "pdf"))
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temp files left either


def test_atomic_write_cleans_up_when_replace_fails(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("old")

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(OSError):
        atomic.atomic_write(target, b"new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


# --------------------------------------------------------------------------- terminal summary and Markdown

def test_summary_text_orders_worst_first(result):
    s = report.summary_text(result, width=120)
    lines = s.splitlines()
    assert "gap 1 · review 1 · partial 1 · not-addressed 1 · waived 1 · compliant 2" in lines
    assert lines[lines.index("Acme AI") + 1] == "  contracts/acme-dpa.pdf  gap 1 · review 1 · partial 1"
    gap = next(i for i, l in enumerate(lines) if "retention.prompts-outputs" in l)
    review = next(i for i, l in enumerate(lines) if "access.subprocessors" in l)
    partial = next(i for i, l in enumerate(lines) if "training.customer-content" in l)
    assert gap < review < partial
    assert re.match(r"    gap\s+retention\.prompts-outputs\s+days \(90 days\)\s+p\. 5, clause 4\.1\s+“Prompts and", lines[gap])
    assert "p. 8, 7 Subprocessors" in lines[review]  # no clause number: the heading says where
    assert f"  contracts/acme-terms.docx  error: {ERROR}" in lines
    assert not any("security.breach-notification" in l for l in lines)  # compliant is only counted


def test_markdown_report(result):
    md = report.render(result, "md").decode("utf-8")
    assert md.startswith("# Acme AI")
    assert "p. 4 · §3 Data Use › 3.2" in md
    assert "&lt;script&gt;" in md and "<script>" not in md
    assert f"**Error** `contracts/acme-terms.docx`: {ERROR}" in md
    assert md.index("`retention.prompts-outputs`") < md.index("`training.customer-content`")  # worst first
    assert markdown_report.md("a | b *c*") == r"a \| b \*c\*"


def test_heavy_parts_load_lazily():
    import subprocess
    import sys

    code = ("import sys, termsgap.report as r; from termsgap.models import *; "
            "x = RunResult(tool=ToolInfo(version='0'), policy=PolicyInfo(name='p', version='1'), documents=()); "
            "r.render(x, 'json'); r.summary_text(x); "
            "assert 'weasyprint' not in sys.modules and 'jinja2' not in sys.modules, 'heavy import'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_empty_and_sparse_results_render():
    r = RunResult(tool=ToolInfo(version="0"), policy=PolicyInfo(name="p", version="1"), documents=(
        DocumentResult(source="notes.md", findings=(
            Finding(question="q.x", answer="yes", verdict=Verdict.GAP, confidence=0.3, evidence=(ev("q"),)),)),))
    for fmt in ("json", "html", "md"):
        assert report.render(r, fmt)
    assert "location not recorded" in report.render(r, "html").decode()
    assert report.summary_text(r).splitlines()[-1] == "    gap  q.x  yes  “q”"  # under its vendor and document
