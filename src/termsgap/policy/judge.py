"""Facts + policy -> findings with verdicts. Pure: the same facts under another policy give other verdicts."""
from __future__ import annotations

import operator

from ..facts.checklist import Checklist, plain_text
from ..models import Fact, Finding, Verdict
from .schema import Policy, QuestionPolicy, parse_condition

OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt, "==": operator.eq}
SEVERITY = {Verdict.GAP: 0, Verdict.REVIEW: 1, Verdict.PARTIAL: 2, Verdict.NOT_ADDRESSED: 3, Verdict.COMPLIANT: 4}


def verdict_for(qp: QuestionPolicy, answer: str, value) -> Verdict:
    for verdict, conds in qp.ordered():
        for cond in conds:
            want, op, num = parse_condition(cond)
            if want != "*" and want != answer:
                continue
            if op is not None:
                if not isinstance(value, (int, float)) or not OPS[op](float(value), num):
                    continue
            return Verdict(verdict)
    return Verdict.NOT_ADDRESSED if answer == "not-addressed" else Verdict.REVIEW


def judge(facts: tuple[Fact, ...], policy: Policy, checklist: Checklist) -> tuple[Finding, ...]:
    findings = []
    for fact in facts:
        qp = policy.questions[fact.question]
        verdict = verdict_for(qp, fact.answer, fact.value)
        rationale, verdict_scope = fact.rationale, ""
        scopes = {sc.name for sc in checklist.scopes} - set(policy.ignore_scopes)
        for s in fact.scoped:  # another tier or service: the verdict follows the worst answer that applies
            if s.scope in scopes:
                v = verdict_for(qp, s.answer, s.value)
                if SEVERITY.get(v, 9) < SEVERITY.get(verdict, 9):
                    verdict, verdict_scope = v, s.scope
                    rationale = f"{rationale}; worst scoped answer {s.answer} ({s.scope})"
        if fact.confidence < policy.min_confidence:  # an unsure answer, or an unsure "not addressed"
            rationale = f"{rationale}; confidence {fact.confidence:.2f} below {policy.min_confidence}"
            verdict = Verdict.REVIEW
        question = checklist.question(fact.question)
        findings.append(Finding(
            question=fact.question, title=question.title, answer=fact.answer,
            plain=plain_text(question, fact.answer, fact.value), verdict_scope=verdict_scope,
            value=fact.value, verdict=verdict, confidence=fact.confidence, evidence=fact.evidence, candidates=fact.candidates,
            scoped=fact.scoped, rationale=rationale.strip("; "),
            remediation=qp.remediation if verdict in (Verdict.GAP, Verdict.PARTIAL, Verdict.REVIEW) else "",
        ))
    return tuple(findings)
