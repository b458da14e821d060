"""The facts stage on small documents written for these tests: scope, overrides, combos, values, evidence."""
from __future__ import annotations

import hashlib
from pathlib import Path

from termsgap.policy import POLICY_DIR
from termsgap.extract.segment import segment
from termsgap.extract.text import extract
from termsgap.facts import detect
from termsgap.models import Verdict
from termsgap.nlp import annotate
from termsgap.policy import judge, load_policy


TIERS = """# Zephyr AI Terms

## 3. Your Content

3.1 For Free plan users, Zephyr may use prompts and responses to improve its models unless the user opts out in Settings.

3.2 For Business and Enterprise customers, Zephyr will not use Customer Content to train or improve its models.
"""

OVERRIDE = """## 5. Retention

5.1 Zephyr stores fine-tuning files until the Customer deletes them.

5.2 Invoices are kept for seven years.

## 9. General

9.4 Notwithstanding Section 5.1, Zephyr may keep copies of deleted fine-tuning files indefinitely to improve its services.
"""

SPLIT = """## Security

Zephyr protects Customer Data as follows:

- Customer Data is encrypted at rest with AES-256.
- Connections use TLS 1.2 or later, so data is encrypted in transit.

Zephyr shall notify Customer of a personal data breach within three (3) days of becoming aware of it.
"""


def facts_of(text, checklist):
    data = text.encode()
    doc = extract(Path("zephyr.md"), data, hashlib.sha256(data).hexdigest())
    return {f.question: f for f in detect(annotate(doc, segment(doc), checklist.concept_patterns), checklist)}


def test_answer_for_the_business_customer_with_other_tiers_scoped(checklist, policy):
    f = facts_of(TIERS, checklist)["training.customer-content"]
    assert f.answer == "never"
    assert [(s.answer, s.scope) for s in f.scoped] == [("opt-out", "free or consumer tier")]
    assert f.evidence[0].clause == "3.2" and f.evidence[0].section == "Zephyr AI Terms > 3. Your Content"
    # the verdict follows the worst answer of any scope ...
    (finding,) = judge((f,), policy, checklist)
    assert finding.verdict == Verdict.PARTIAL and "free or consumer tier" in finding.rationale
    strict = load_policy(POLICY_DIR / "strict-eu.yaml")
    (finding,) = judge((f,), strict, checklist)
    assert finding.verdict == Verdict.GAP
    # ... unless the policy says the organisation does not use that tier
    business_only = policy.model_copy(update={"ignore_scopes": ("free or consumer tier",)})
    (finding,) = judge((f,), business_only, checklist)
    assert finding.verdict == Verdict.COMPLIANT


def test_notwithstanding_overrides_the_rule_it_names(checklist):
    f = facts_of(OVERRIDE, checklist)["retention.fine-tuning-data"]
    assert f.answer == "vendor-retains"
    assert f.evidence[0].clause == "9.4"
    assert facts_of(OVERRIDE, checklist)["retention.prompts-outputs"].answer == "not-addressed"  # invoices


def test_signals_from_separate_list_items_combine(checklist):
    facts = facts_of(SPLIT, checklist)
    assert facts["security.encryption"].answer == "at-rest-and-in-transit"
    assert len(facts["security.encryption"].evidence) == 2


def test_values_are_normalised_to_the_answer_unit(checklist):
    f = facts_of(SPLIT, checklist)["security.breach-notification"]
    assert (f.answer, f.value) == ("hours", 72)


def test_silence_is_not_addressed_with_no_evidence(checklist):
    facts = facts_of(TIERS, checklist)
    assert facts["security.audits"].answer == "not-addressed" and not facts["security.audits"].evidence
    assert len(facts) == 19


def test_analysing_sentence_by_sentence_gives_the_facts_of_the_whole_annotated_document(tmp_path, checklist):
    """engine.analyse streams sentences through the detectors (memory for one clause, not the document): the
    facts are those of the annotated document read whole."""
    from termsgap import engine
    from termsgap.learn.model import load_model

    path = tmp_path / "zephyr.md"
    path.write_text(TIERS + OVERRIDE + SPLIT, encoding="utf-8")
    streamed = engine.analyse(path, checklist)
    whole = engine.facts_of(engine.read(path, checklist), checklist, load_model())
    assert streamed == whole
    assert any(f.answer != "not-addressed" for f in streamed.facts)
