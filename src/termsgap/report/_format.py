"""Small text helpers shared by the renderers: locators, values with units, verdict ordering.

Pure functions of the result model; no renderer-specific markup here (the HTML template escapes what these return).
"""
from __future__ import annotations

from typing import Iterable, Iterator, Optional

from termsgap.facts.checklist import number_text, value_text  # noqa: F401  (re-exported for the renderers)
from termsgap.models import VERDICT_ORDER, DocumentResult, Evidence, Finding, RunResult, Verdict

#: verdicts that need a reader's attention, worst first (the executive summary and the terminal list them)
ATTENTION = (Verdict.GAP, Verdict.REVIEW, Verdict.PARTIAL, Verdict.NOT_ADDRESSED)
#: verdicts the terminal summary lists line by line
TERMINAL_LISTED = (Verdict.GAP, Verdict.REVIEW, Verdict.PARTIAL)
#: verdicts whose remediation text is shown
REMEDIATE = (Verdict.GAP, Verdict.PARTIAL, Verdict.REVIEW, Verdict.NOT_ADDRESSED)

_RANK = {v: i for i, v in enumerate(VERDICT_ORDER)}

VERDICT_LABELS = {
    Verdict.COMPLIANT: "Compliant",
    Verdict.PARTIAL: "Partial",
    Verdict.GAP: "Gap",
    Verdict.NOT_ADDRESSED: "Not addressed",
    Verdict.REVIEW: "Review",
    Verdict.WAIVED: "Waived",
}

def verdict_rank(verdict: Verdict | str) -> int:
    return _RANK[Verdict(verdict)]


def verdict_label(verdict: Verdict | str) -> str:
    return VERDICT_LABELS[Verdict(verdict)]


def answer_phrase(f: Finding) -> str:
    """A finding's answer in running text: 'not addressed', 'days (30 days)'."""
    return "not addressed" if f.answer == "not-addressed" else answer_text(f.question, f.answer, f.value)


def answer_text(question: str, answer: str, value: Optional[float | str], scope: str = "") -> str:
    """'days (30 days)', 'opt-out (Free tier)', 'days (90 days; Free tier)'."""
    extras = [x for x in (value_text(question, answer, value), scope) if x]
    return f"{answer} ({'; '.join(extras)})" if extras else answer


def section_parts(section: str) -> list[str]:
    return [p.strip() for p in section.replace(" › ", " > ").split(" > ") if p.strip()]


def locator(ev: Evidence) -> str:
    """Where to find a quote, in the reader's terms: 'p. 4 · §3 Data Use › 3.2', 'line 12 · §Retention'."""
    parts: list[str] = []
    if ev.page is not None:
        parts.append(f"p. {ev.page}")
    if ev.line is not None:
        parts.append(f"line {ev.line}")
    path = section_parts(ev.section)
    clause = (ev.clause or "").strip()
    # don't repeat a clause number the innermost heading already starts with ("3.2 Training" + clause "3.2")
    if clause and not (path and path[-1].split(" ", 1)[0].rstrip(".") == clause.rstrip(".")):
        path.append(clause)
    if path:
        parts.append("§" + " › ".join(path))
    return " · ".join(parts)


def place(ev: Optional[Evidence]) -> str:
    """Terminal form, in words: 'p. 4, clause 3.2', 'clause 4.3', 'line 12, 6. Security' (the heading; a line
    number only where no clause number says where)."""
    if ev is None:
        return ""
    parts: list[str] = []
    clause = (ev.clause or "").strip()
    if ev.page is not None:
        parts.append(f"p. {ev.page}")
    if ev.line is not None and not clause:
        parts.append(f"line {ev.line}")
    heading = (section_parts(ev.section) or [""])[-1]
    if clause or heading:
        parts.append(f"clause {clause}" if clause else heading)
    return ", ".join(parts)


def short_where(ev: Evidence) -> str:
    """Board form: '§50.3', 'p. 4', or the innermost heading."""
    clause = (ev.clause or "").strip().rstrip(".")
    if clause:
        return "§" + clause
    if ev.page is not None:
        return f"p. {ev.page}"
    path = section_parts(ev.section)
    return path[-1] if path else (f"line {ev.line}" if ev.line is not None else "")


def confidence_text(confidence: float) -> str:
    return f"{round(confidence * 100):d}%"


def waiver_text(f: Finding) -> str:
    """One sentence about the waiver: who approved it, why, until when, and whether it applied."""
    w = f.waiver
    if w is None:
        return f.waiver_note
    applied = f.verdict == Verdict.WAIVED
    head = "Waived" if applied else "Waiver not applied"
    text = f"{head}: approved by {w.approver}, expires {w.expires}. Reason: {w.reason}"
    if f.waiver_note:
        text += f" ({f.waiver_note})"
    return text


def iter_findings(result: RunResult) -> Iterator[tuple[int, DocumentResult, Finding]]:
    for i, d in enumerate(result.documents):
        for f in d.findings:
            yield i, d, f


def worst_first(result: RunResult, verdicts: Iterable[Verdict] = ATTENTION
                ) -> list[tuple[int, DocumentResult, Finding]]:
    """Findings with one of `verdicts`, worst verdict first, then document order, then checklist order."""
    wanted = set(verdicts)
    rows = [(n, i, d, f) for n, (i, d, f) in enumerate(iter_findings(result)) if f.verdict in wanted]
    rows.sort(key=lambda r: (verdict_rank(r[3].verdict), r[0]))
    return [(i, d, f) for _, i, d, f in rows]


def anchor(doc_index: int, question: str) -> str:
    return f"d{doc_index + 1}-{question}"
