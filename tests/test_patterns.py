"""The literal pre-test of checklist patterns (facts/literals.py): it may only rule out texts that cannot match."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from termsgap.facts.checklist import Pattern, load_checklist
from termsgap.facts.literals import quick_test
from termsgap.nlp.pipeline import lemmatize
from termsgap.policy import POLICY_DIR

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("pattern, may, cannot", [
    (r"\bfine[- ]?tun\S* (?:\S+ ){0,2}data", ["fine-tune of data", "finetune data"], ["fine data", "tune data"]),
    (r"(?:customer|client) data", ["client data"], ["customer records", "data of client"]),
    (r"data(?:set)?s? (?:retain|keep)", ["data keep"], ["data hold", "dataset store"]),
    (r"(?:opt|elect)(?:-| )in\b", ["opt in", "elect-in"], ["opt out", "in"]),
    (r"will(?= not) not", ["will not"], ["will"]),
    (r"(?:a|)b", ["b"], ["a"]),                       # an empty alternative: only "b" is certain
])
def test_quick_test_rules_out_only_texts_that_cannot_match(pattern, may, cannot):
    test = quick_test(re.compile(pattern))
    assert test is not None
    assert all(test(s) for s in may) and not any(test(s) for s in cannot)
    for s in may + cannot:
        assert test(s) or not re.search(pattern, s)


@pytest.mark.parametrize("pattern", [r"\S+ ai", r"[a-z]+", r"(?i)consent", r"(?i:consent)", r"x?y*", r"(?!no)\w"])
def test_no_quick_test_without_certain_literals(pattern):
    test = quick_test(re.compile(pattern))
    if pattern == r"\S+ ai":
        assert test is not None and test("acme ai") and not test("acme")   # " ai" is certain
    else:
        assert test is None


def _checklist_patterns(cl):
    texts = [p for _, p in cl.tag_patterns] + list(cl.concept_patterns.values())
    texts += [cl.compile(s.pattern) for s in cl.scopes] + [cl.compile(cl.skip), cl.compile(cl.override)]
    for q in cl.questions:
        for r in q.rules:
            for p in (*r.all, *r.any, *r.none, *r.context, r.unless, r.not_unless,
                      r.value and r.value.near, r.value and r.value.avoid):
                if p:
                    texts.append(cl.compile(p))
    return texts


def test_checklist_patterns_search_as_their_regular_expressions():
    """Every pattern of the shipped checklist finds what its regular expression finds, on every case passage of
    policies/cases (our own wording) read as lemmas, and on their raw text."""
    cl = load_checklist(POLICY_DIR / "checklist.yaml")
    patterns = _checklist_patterns(cl)
    assert all(isinstance(p, Pattern) for p in patterns)
    assert sum(quick_test(p.regex) is not None for p in patterns) > 0.9 * len(patterns)
    texts = []
    for path in sorted((ROOT / "policies" / "cases").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            texts += [case["text"], lemmatize(case["text"])]
    assert len(texts) > 400
    found = 0
    for p in patterns:
        for t in texts:
            m, expected = p.search(t), p.regex.search(t)
            assert (m and m.span()) == (expected and expected.span()), (p.pattern, t)
            found += m is not None
    assert found > 1000
