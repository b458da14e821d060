"""Semantic change reports: clause alignment by text, renumbering and reflow are no change, worse verdicts."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from termsgap.cli.common import resolve_policy
from termsgap.engine import analyse, judge_all
from termsgap.history.diff import (ChangeReport, FactChange, FactState, align_clauses, diff_results, normalise,
                                   word_delta)
from termsgap.models import Clause, Location, Verdict
from termsgap.report.changes import change_text, delta_text, render_html, render_json

SAMPLE = Path(__file__).parents[1] / "contracts_samples" / "cinder-customisation-terms.md"


def renumber_and_reflow(text: str) -> str:
    """Every section number +1 (headings, clause numbers, cross references), paragraphs re-wrapped at 60."""
    def bump(m):
        return str(int(m.group(1)) + 1) + m.group(2)
    text = re.sub(r"(?m)^(## )(\d+)\.", lambda m: f"{m.group(1)}{int(m.group(2)) + 1}.", text)
    text = re.sub(r"(?m)^(\d+)(\.\d+ )", bump, text)
    text = re.sub(r"(Section )(\d+)(\.\d+)", lambda m: f"{m.group(1)}{int(m.group(2)) + 1}{m.group(3)}", text)
    out = []
    for para in text.split("\n\n"):
        if para.startswith(("#", "|", "-", "*")):
            out.append(para)
        else:
            out.append(textwrap.fill(para, 60, break_long_words=False, break_on_hyphens=False))
    return "\n\n".join(out)


@pytest.fixture(scope="module")
def policy():
    return resolve_policy(None)


def _clause(i: int, text: str, number: str | None = None) -> Clause:
    return Clause(index=i, text=text, location=Location(sha256="x", line=i + 1, clause=number))


def test_normalise_drops_numbers_and_cross_references():
    assert normalise("4.3 Cinder may use data, see Section 4.3(b).") == normalise("5.3 Cinder may use data, see "
                                                                                  "section 5.3 (b)")
    assert normalise("(d) “Tuning Data” means") == "tuning data means"


def test_renumbering_and_reflow_report_no_semantic_change(tmp_path, policy):
    original = SAMPLE.read_text(encoding="utf-8")
    changed = renumber_and_reflow(original)
    assert changed != original and "## 5. Use of Customer Content" in changed and "5.3 Cinder may" in changed
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text(original, encoding="utf-8")
    b.write_text(changed, encoding="utf-8")
    checklist = policy.load_checklist()
    fa, fb = analyse(a, checklist), analyse(b, checklist)
    assert fa.sha256 != fb.sha256
    ra = judge_all([fa], policy, vendor="Cinder", checklist=checklist)
    rb = judge_all([fb], policy, vendor="Cinder", checklist=checklist)
    report = diff_results(ra, rb, before_facts={str(a): fa}, after_facts={str(b): fb},
                          keys={str(a): "doc", str(b): "doc"}, before_id=1, after_id=2)
    (d,) = report.documents
    assert d.clauses == ()
    assert d.fact_changes == [] and d.verdict_changes == []
    assert d.reflowed > 0
    assert not report.changed and not report.worse and report.exit_code() == 0
    assert "no semantic change" in change_text(report)


def test_split_and_merge_are_reflow_not_change():
    old = (_clause(0, "Cinder keeps logs for 30 days. Customer may ask for deletion at any time."),
           _clause(1, "Unrelated clause stays."))
    new = (_clause(0, "Cinder keeps logs for 30 days."), _clause(1, "Customer may ask for deletion at any time."),
           _clause(2, "Unrelated clause stays."))
    changes, reflowed = align_clauses(old, new)
    assert changes == [] and reflowed == 1
    changes, reflowed = align_clauses(new, old)
    assert changes == [] and reflowed == 1


def test_reworded_added_removed_aligned_by_text_not_position():
    old = (_clause(0, "1. Inputs are stored until the later of deletion by Customer and 30 days after the end."),
           _clause(1, "2. Cinder may appoint subprocessors."),
           _clause(2, "3. Feedback may be used freely."))
    new = (_clause(0, "1. A brand new clause about audits by independent third parties."),
           _clause(1, "2. Feedback may be used freely."),
           _clause(2, "3. Inputs are stored until the earlier of deletion by Customer and 30 days after the end."))
    changes, _ = align_clauses(old, new)
    kinds = sorted(c.kind for c in changes)
    assert kinds == ["added", "removed", "reworded"]
    reworded = next(c for c in changes if c.kind == "reworded")
    assert ("removed", "later") in [(p.op, p.text) for p in reworded.delta]
    assert ("added", "earlier") in [(p.op, p.text) for p in reworded.delta]
    assert next(c for c in changes if c.kind == "removed").before.text.endswith("subprocessors.")


def test_word_delta_keeps_context_short():
    d = word_delta("a b c d e f g h i j k l m n o later p q r s t u v w x y z",
                   "a b c d e f g h i j k l m n o earlier p q r s t u v w x y z", context=3)
    assert delta_text(d) == "… m n o [-later-] {+earlier+} p q r …"


@pytest.mark.parametrize("before,after,worse", [
    (Verdict.COMPLIANT, Verdict.GAP, True), (Verdict.COMPLIANT, Verdict.NOT_ADDRESSED, True),
    (Verdict.PARTIAL, Verdict.NOT_ADDRESSED, False), (Verdict.NOT_ADDRESSED, Verdict.REVIEW, True),
    (Verdict.REVIEW, Verdict.GAP, True), (Verdict.GAP, Verdict.COMPLIANT, False),
    (Verdict.WAIVED, Verdict.GAP, True), (Verdict.PARTIAL, Verdict.COMPLIANT, False),
])
def test_worse_follows_the_verdict_order(before, after, worse):
    f = FactChange(question="q", before=FactState(answer="x", verdict=before), after=FactState(answer="y",
                                                                                               verdict=after))
    assert f.worse is worse


def test_fact_line_format():
    f = FactChange(question="retention.prompts-outputs",
                   before=FactState(answer="days", value=30.0, verdict=Verdict.COMPLIANT),
                   after=FactState(answer="not-addressed", verdict=Verdict.GAP))
    assert f.line == "retention.prompts-outputs: days 30 (compliant) → not-addressed (gap)"
    same = FactChange(question="q", before=FactState(answer="days", value=30, verdict=Verdict.GAP),
                      after=FactState(answer="days", value=90, verdict=Verdict.GAP))
    assert same.line == "q: days 30 → days 90 (gap)"


def test_exit_codes_and_fail_on():
    worse = ChangeReport.model_validate({"vendor": "V", "before": {"id": 1}, "after": {"id": 2}, "documents": [
        {"source": "s", "key": "s", "status": "changed", "facts": [
            {"question": "q", "before": {"answer": "a", "verdict": "compliant"},
             "after": {"answer": "b", "verdict": "gap"}}]}]})
    assert (worse.exit_code("changed"), worse.exit_code("worse"), worse.exit_code("never")) == (4, 4, 0)
    changed = ChangeReport.model_validate({"vendor": "V", "before": {"id": 1}, "after": {"id": 2}, "documents": [
        {"source": "s", "key": "s", "status": "changed", "clauses": [
            {"kind": "added", "after": {"text": "new"}}]}]})
    assert (changed.exit_code("changed"), changed.exit_code("worse"), changed.exit_code("never")) == (3, 0, 0)
    baseline = ChangeReport.model_validate({"after": {"id": 1}, "documents": [
        {"source": "s", "key": "s", "status": "added"}]})
    assert baseline.exit_code() == 0
    error = ChangeReport.model_validate({"before": {"id": 1}, "after": {"id": 2}, "documents": [
        {"source": "s", "key": "s", "status": "error", "error": "HTTP 404 Not Found"}]})
    assert error.exit_code() == 2 and error.exit_code("never") == 2


def test_renderers_round_trip_and_escape():
    r = ChangeReport.model_validate({"vendor": "<Acme>", "before": {"id": 1}, "after": {"id": 2}, "documents": [
        {"source": "s", "key": "s", "status": "changed", "clauses": [
            {"kind": "reworded", "before": {"text": "the later <b>of"}, "after": {"text": "the earlier <b>of"},
             "delta": "the [-later-] {+earlier+} <b>of", "questions": ["retention.prompts-outputs"]}],
         "facts": [{"question": "retention.prompts-outputs",
                    "before": {"answer": "indefinite", "verdict": "gap", "evidence": ["later of <x>"]},
                    "after": {"answer": "until-deleted", "verdict": "compliant", "evidence": ["earlier of"]}}]}]})
    assert ChangeReport.loads(render_json(r)) == r
    html = render_html(r).decode()
    assert "<del>later</del>" in html and "<ins>earlier</ins>" in html
    assert "&lt;Acme&gt;" in html and "&lt;b&gt;of" in html and "<script" not in html and "http" not in html.lower()
    text = change_text(r)
    assert "retention.prompts-outputs: indefinite (gap) → until-deleted (compliant)" in text
    with pytest.raises(ValueError):
        ChangeReport.loads('{"schema_version": "3.0", "after": {}}')


# --------------------------------------------------------------------------- vendor text cannot spoof a change

SPOOF = "Prompts [-never-] {+always+} <ins>used</ins> </del> \\ {+"


def _reworded_report(before: str, after: str, source: str = "terms.md", vendor: str = "V") -> ChangeReport:
    changes, _ = align_clauses((_clause(0, before, "4.2"),), (_clause(0, after, "4.2"),))
    return ChangeReport.model_validate({"vendor": vendor, "before": {"id": 1}, "after": {"id": 2}, "documents": [
        {"source": source, "key": source, "status": "changed", "clauses": [c.model_dump() for c in changes]}]})


def test_marker_text_in_a_clause_is_not_a_change():
    """The only change is 30 -> 90; the vendor's own markers and tags stay text in every format."""
    r = _reworded_report(SPOOF + " within 30 days.", SPOOF + " within 90 days.")
    (c,) = r.documents[0].clauses
    assert [(p.op, p.text) for p in c.delta if p.op != "same"] == [("removed", "30"), ("added", "90")]
    html = render_html(r).decode()
    assert html.count("<del>") == html.count("</del>") == 1 and html.count("<ins>") == html.count("</ins>") == 1
    assert "<del>30</del> <ins>90</ins>" in html and "&lt;ins&gt;used&lt;/ins&gt;" in html
    line = next(x for x in change_text(r).splitlines() if "reworded" in x)
    assert "[-30-] {+90+}" in line
    unescaped = re.findall(r"(?<!\\)(\[-|-\]|\{\+|\+\})", line)
    assert unescaped == ["[-", "-]", "{+", "+}"], line  # the vendor's [- -] {+ +} are escaped
    assert "\\[-never-\\] \\{+always+\\}" in line and "\\\\" in line
    assert ChangeReport.loads(render_json(r)) == r


def test_markers_at_the_edges_of_changed_words_stay_text():
    """Words that end in '[' or start with ']' would join the marker around them."""
    r = _reworded_report("alpha beta gamma ]x y[ delta", "alpha beta gamma ]z w[ delta")
    text = delta_text(r.documents[0].clauses[0].delta)
    assert text == "alpha beta gamma [-\\]x y\\[-] {+\\]z w\\[+} delta"


def test_a_schema_1_change_report_still_loads():
    legacy = {"schema_version": "1.0", "after": {"id": 2}, "documents": [
        {"source": "s", "key": "s", "status": "changed", "clauses": [
            {"kind": "reworded", "before": {"text": "a later b"}, "after": {"text": "a earlier b"},
             "delta": "a [-later-] {+earlier+} b"}]}]}
    r = ChangeReport.loads(__import__("json").dumps(legacy))
    assert [(p.op, p.text) for p in r.documents[0].clauses[0].delta] == [
        ("same", "a"), ("removed", "later"), ("added", "earlier"), ("same", "b")]


def test_names_and_vendor_text_with_markup_or_controls_are_inert():
    name = "terms <script>alert(1)</script> [x](http://evil) `a` *b*.md"
    r = _reworded_report("keep 30 days", "keep 90 days", source=name, vendor="<img src=x onerror=alert(1)>")
    r = r.model_copy(update={"documents": r.documents + (r.documents[0].model_copy(update={
        "source": "other\n  facts changed:\n    retention: zero (compliant)", "key": "o", "status": "error",
        "error": "HTTP 500 \x1b[2J\x1b[32mall good\u202e", "clauses": ()}),)})
    html = render_html(r).decode()
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    text = change_text(r)
    assert "\x1b" not in text and "\u202e" not in text and "\\x1b[2J" in text and "\\u202e" in text
    assert not any(line.startswith("  facts changed") for line in text.splitlines())  # no forged line
    assert "other\\n  facts changed:" in text


def test_a_changed_fact_shows_both_quotes_with_the_changed_words_marked_worse_first():
    r = ChangeReport.model_validate({"vendor": "v", "before": {"id": 1}, "after": {"id": 2}, "documents": [
        {"source": "s", "key": "s", "status": "changed", "facts": [
            {"question": "training.feedback",
             "before": {"answer": "not-used", "verdict": "compliant"}, "after": {"answer": "may-use", "verdict": "compliant"}},
            {"question": "retention.prompts-outputs",
             "before": {"answer": "days", "value": 30, "verdict": "compliant", "evidence": ["We keep prompts for 30 days."]},
             "after": {"answer": "days", "value": 90, "verdict": "gap", "evidence": ["We keep prompts for 90 days."]}}]}]})
    html = render_html(r).decode()
    assert "<del>30</del>" in html and "<ins>90</ins>" in html
    assert html.index("retention.prompts-outputs") < html.index("training.feedback")  # worse first
    assert "(exit" not in html  # exit codes are for scripts, not for the DPO reading the page
