"""Waivers: a versioned YAML file, validated with clear errors, applied only while unexpired and unchanged."""
from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from termsgap.cli import main
from termsgap.models import (DocumentResult, Evidence, Finding, PolicyInfo, RunResult, ToolInfo, Verdict, Waiver)
from termsgap.policy.waivers import (WaiverError, append_waiver, apply_waivers, load_waivers, parse_waivers)

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"
QUOTE = "Inputs are stored until the later of deletion by Customer and thirty days after the end of the Services."
FP = Evidence(quote=QUOTE).fingerprint


def result(vendor="Acme", quote=QUOTE, verdict=Verdict.GAP) -> RunResult:
    f = Finding(question="retention.prompts-outputs", answer="indefinite", verdict=verdict, confidence=0.9,
                evidence=(Evidence(quote=quote, line=4),))
    ok = Finding(question="training.customer-content", answer="never", verdict=Verdict.COMPLIANT, confidence=0.9)
    na = Finding(question="security.audits", answer="not-addressed", verdict=Verdict.NOT_ADDRESSED, confidence=0.9)
    return RunResult(tool=ToolInfo(version="t"), policy=PolicyInfo(name="default", version="1"), vendor=vendor,
                     documents=(DocumentResult(source="a.md", findings=(f, ok, na)),))


def waiver(**kw) -> Waiver:
    base = dict(question="retention.prompts-outputs", vendor="Acme", reason="ZDR agreed in order form",
                approver="J. Doe (DPO)", expires="2027-06-30", fingerprints=(FP,))
    return Waiver(**{**base, **kw})


def finding(r: RunResult, q="retention.prompts-outputs") -> Finding:
    return next(f for f in r.documents[0].findings if f.question == q)


def test_applies_while_unexpired_and_fingerprints_match():
    r = result()
    out = apply_waivers(r, [waiver()], today=date(2027, 6, 30))  # the expiry day itself still applies
    f = finding(out)
    assert f.verdict == Verdict.WAIVED and f.waiver.approver == "J. Doe (DPO)"
    assert "was gap" in f.waiver_note
    assert finding(r).verdict == Verdict.GAP  # input untouched
    assert out.counts["waived"] == 1 and out.counts["gap"] == 0


def test_expired_waiver_keeps_the_verdict_and_says_why():
    f = finding(apply_waivers(result(), [waiver()], today=date(2027, 7, 1)))
    assert f.verdict == Verdict.GAP and f.waiver is not None
    assert f.waiver_note == "waiver expired on 2027-06-30"


def test_changed_clause_stops_the_waiver():
    r = result(quote=QUOTE.replace("thirty days", "ninety days"))
    f = finding(apply_waivers(r, [waiver()], today=date(2026, 1, 1)))
    assert f.verdict == Verdict.GAP
    assert f.waiver_note.startswith("clause changed")


def test_reflowed_quote_still_matches():
    r = result(quote=QUOTE.replace(" ", "\n  ", 3).upper())
    assert finding(apply_waivers(r, [waiver()], today="2026-01-01")).verdict == Verdict.WAIVED


def test_not_addressed_waiver_lapses_when_the_vendor_addresses_it():
    w = waiver(question="security.audits", fingerprints=())
    assert finding(apply_waivers(result(), [w], "2026-01-01"), "security.audits").verdict == Verdict.WAIVED
    r = result()
    docs = (r.documents[0].model_copy(update={"findings": tuple(
        f.model_copy(update={"answer": "audit-reports", "verdict": Verdict.PARTIAL,
                             "evidence": (Evidence(quote="Reports are available on request."),)})
        if f.question == "security.audits" else f for f in r.documents[0].findings)}),)
    f = finding(apply_waivers(r.model_copy(update={"documents": docs}), [w], "2026-01-01"), "security.audits")
    assert f.verdict == Verdict.PARTIAL and "now addresses" in f.waiver_note


def test_other_vendor_question_and_compliant_untouched():
    r = result(vendor="Other")
    assert apply_waivers(r, [waiver()], "2026-01-01") == r
    out = apply_waivers(result(), [waiver(question="training.customer-content", fingerprints=())], "2026-01-01")
    assert finding(out, "training.customer-content").verdict == Verdict.COMPLIANT
    assert finding(out, "training.customer-content").waiver is None
    vendor_case = apply_waivers(result(vendor="ACME"), [waiver()], "2026-01-01")
    assert finding(vendor_case).verdict == Verdict.WAIVED


def test_file_validation_lists_every_problem(tmp_path):
    text = """
schema_version: 1
waivers:
  - question: retention.prompts-outputs
    vendor: Acme
    reason: ok
    approver: me
    expires: 2027-13-01
  - question: nope.question
    vendor: Acme
    reason: ok
    approver: me
    expires: 2027-01-01
  - question: security.audits
    vendor: Acme
    approver: me
    expires: 2027-01-01
    fingerprints: [xyz]
    colour: red
"""
    with pytest.raises(WaiverError) as exc:
        parse_waivers(text, "w.yaml", questions=["retention.prompts-outputs", "security.audits"])
    msg = str(exc.value)
    assert "w.yaml: waivers[0]" in msg and "not a date" in msg
    assert "unknown question 'nope.question'" in msg
    assert "waivers[2] (security.audits): reason: Field required" in msg
    assert "fingerprints" in msg and "colour" in msg
    with pytest.raises(WaiverError, match="schema_version 2 is not supported"):
        parse_waivers("schema_version: 2\nwaivers: []\n", "w.yaml")
    with pytest.raises(WaiverError, match="schema_version"):
        parse_waivers("waivers: []\n", "w.yaml")
    with pytest.raises(WaiverError, match="not valid YAML"):
        parse_waivers("a: [", "w.yaml")
    with pytest.raises(WaiverError, match="not found"):
        load_waivers(tmp_path / "missing.yaml")
    assert load_waivers(tmp_path / "missing.yaml", missing_ok=True) == []


def test_append_creates_then_keeps_comments(tmp_path):
    p = tmp_path / "waivers.yaml"
    append_waiver(p, waiver(), created=date(2026, 1, 2))
    p.write_text(p.read_text().replace("waivers:\n", "# reviewed by legal\nwaivers:\n"))
    append_waiver(p, waiver(question="security.audits", fingerprints=()))
    text = p.read_text()
    assert "# reviewed by legal" in text and text.startswith("# termsgap waivers")
    loaded = load_waivers(p)
    assert [w.question for w in loaded] == ["retention.prompts-outputs", "security.audits"]
    assert loaded[0] == waiver()
    flow = tmp_path / "flow.yaml"
    flow.write_text("schema_version: 1\nwaivers: []\n")
    append_waiver(flow, waiver())
    assert load_waivers(flow) == [waiver()]


@pytest.mark.skipif(not (CORPUS / "text").is_dir(), reason="shared corpus not available")
def test_waive_command_then_expiry_and_clause_change(tmp_path, monkeypatch):
    """waive binds the latest run's evidence; recheck applies it, reports it lapsing on expiry or a changed clause."""
    monkeypatch.chdir(tmp_path)
    src = CORPUS / "text" / "perplexity" / "data-processing-addendum" / "2025-11-11.md"
    doc = tmp_path / "dpa.md"
    shutil.copyfile(src, doc)
    db = str(tmp_path / "h.db")
    run = lambda *a: CliRunner().invoke(main, [*a, "--db", db], catch_exceptions=False)  # noqa: E731
    # a scan is stored in history too
    res = run("scan", str(doc), "--vendor", "Perplexity", "--format", "json", "--out", "r0", "-q")
    assert res.exit_code == 1
    q = "retention.prompts-outputs"
    r0 = json.loads((tmp_path / "r0" / "report.json").read_text())
    before = next(f for f in r0["documents"][0]["findings"] if f["question"] == q)
    assert before["verdict"] == "gap"

    expires = (date.today() + timedelta(days=365)).isoformat()
    res = run("waive", q, "--vendor", "Perplexity", "--reason", "Contract addendum caps retention",
              "--approver", "DPO", "--expires", expires)
    assert res.exit_code == 0, res.output
    assert "bound to" in res.output
    w = yaml.safe_load((tmp_path / "waivers.yaml").read_text())["waivers"][0]
    assert w["fingerprints"] == sorted({Evidence(quote=e["quote"]).fingerprint for e in before["evidence"]})
    assert run("waive", q, "--vendor", "Nobody", "--reason", "x", "--approver", "y",
               "--expires", expires).exit_code == 2
    assert run("waive", q, "--vendor", "Perplexity", "--reason", "x", "--approver", "y",
               "--expires", "2020-01-01").exit_code == 2

    assert run("watch", "add", "Perplexity", str(doc)).exit_code == 0
    res = run("recheck", "--out", "r1")   # waivers.yaml in the current folder is the default
    report = json.loads((tmp_path / "r1" / "perplexity" / "report.json").read_text())
    f = next(f for f in report["documents"][0]["findings"] if f["question"] == q)
    assert f["verdict"] == "waived"
    assert res.exit_code == 0, res.output  # a verdict that got better is not a change of terms
    assert "verdicts changed" in res.output

    # the waiver expires: the finding is a gap again, the job fails with 4
    wf = tmp_path / "waivers.yaml"
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    wf.write_text(wf.read_text().replace(expires, yesterday))
    res = run("recheck", "--out", "r2")
    assert res.exit_code == 4, res.output
    assert f"waiver expired on {yesterday}" in res.output
    f = next(f for f in json.loads((tmp_path / "r2" / "perplexity" / "report.json").read_text())
             ["documents"][0]["findings"] if f["question"] == q)
    assert f["verdict"] == "gap" and f["waiver"]["approver"] == "DPO"  # shown, never hidden

    # renewed, but the vendor rewords the clause: the waiver stops applying and says why
    wf.write_text(wf.read_text().replace(yesterday, expires))
    assert run("recheck").exit_code == 0  # waived again (better): exit 0
    doc.write_text(doc.read_text().replace("Any personal information contained within Input will be stored",
                                           "All personal information contained within Input shall be stored"))
    res = run("recheck", "--waivers", str(wf), "--out", "r3")
    f = next(f for f in json.loads((tmp_path / "r3" / "perplexity" / "report.json").read_text())
             ["documents"][0]["findings"] if f["question"] == q)
    assert f["answer"] == "indefinite" and f["verdict"] == "gap", f
    assert f["waiver_note"].startswith("clause changed")
    assert res.exit_code == 4 and "clause changed" in res.output

    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nwaivers:\n  - question: x\n")
    res = run("recheck", "--waivers", str(bad))
    assert res.exit_code == 2 and "bad.yaml: waivers[0]" in res.output
