"""Policies: validation with clear errors, judgement from facts, re-judging without re-reading."""
from __future__ import annotations

import re
import shutil

import pytest

from termsgap.policy import POLICY_DIR
from termsgap.models import Evidence, Fact, Verdict
from termsgap.policy import PolicyError, judge, load_policy
from termsgap.policy.judge import verdict_for



def fact(q, answer, value=None, confidence=0.9):
    return Fact(question=q, answer=answer, value=value, confidence=confidence,
                evidence=(Evidence(quote="Our own example sentence.", page=2, section="4. Data", clause="4.1"),))


@pytest.mark.parametrize("name", ["default", "strict-eu"])
def test_shipped_policies_validate(name):
    p = load_policy(POLICY_DIR / f"{name}.yaml")
    assert len(p.questions) == 19


@pytest.mark.parametrize("answer,value,verdict", [
    ("days", 30, Verdict.COMPLIANT), ("days", 31, Verdict.GAP), ("days", None, Verdict.REVIEW),
    ("zero", None, Verdict.COMPLIANT), ("indefinite", None, Verdict.GAP),
    ("not-addressed", None, Verdict.NOT_ADDRESSED),
])
def test_retention_thresholds(policy, answer, value, verdict):
    assert verdict_for(policy.questions["retention.prompts-outputs"], answer, value) == verdict


def test_same_facts_other_policy_other_verdict(policy, checklist):
    strict = load_policy(POLICY_DIR / "strict-eu.yaml")
    facts = (fact("retention.prompts-outputs", "days", 30), fact("security.breach-notification", "hours", 72))
    default = {f.question: f.verdict for f in judge(facts, policy, checklist)}
    eu = {f.question: f.verdict for f in judge(facts, strict, checklist)}
    assert default == {"retention.prompts-outputs": Verdict.COMPLIANT, "security.breach-notification": Verdict.COMPLIANT}
    assert eu == {"retention.prompts-outputs": Verdict.GAP, "security.breach-notification": Verdict.GAP}


def test_low_confidence_goes_to_review(policy, checklist):
    (f,) = judge((fact("training.customer-content", "never", confidence=0.4),), policy, checklist)
    assert f.verdict == Verdict.REVIEW and "confidence" in f.rationale and f.remediation


def test_gap_carries_remediation(policy, checklist):
    (f,) = judge((fact("training.customer-content", "yes"),), policy, checklist)
    assert f.verdict == Verdict.GAP and "opt-in" in f.remediation


def test_validation_names_file_question_and_field(tmp_path):
    shutil.copy(POLICY_DIR / "checklist.yaml", tmp_path / "checklist.yaml")
    bad = tmp_path / "bad.yaml"
    text = (POLICY_DIR / "default.yaml").read_text()
    text = text.replace('compliant: [never, opt-in]', 'compliant: [never, sometimes]')
    text = re.sub(r"^min_confidence: .*$", "min_confidence: 0.6\nsurprise: 1", text, flags=re.M)
    bad.write_text(text)
    with pytest.raises(PolicyError) as err:
        load_policy(bad)
    assert f"{bad}: surprise" in str(err.value)
    bad.write_text(text.replace("\nsurprise: 1", ""))
    with pytest.raises(PolicyError) as err:
        load_policy(bad)
    msg = str(err.value)
    assert f"{bad}: questions.training.customer-content.compliant: unknown answer 'sometimes'" in msg


def test_missing_question_and_bad_yaml(tmp_path):
    shutil.copy(POLICY_DIR / "checklist.yaml", tmp_path / "checklist.yaml")
    p = tmp_path / "p.yaml"
    p.write_text("name: x\nversion: '1'\nquestions: {}\n")
    with pytest.raises(PolicyError, match="questions.security.audits: missing"):
        load_policy(p)
    p.write_text("name: [unclosed\n")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(p)


def test_bad_checklist_pattern_is_reported(tmp_path):
    text = (POLICY_DIR / "checklist.yaml").read_text().replace("'later of", "'(later of", 1)
    (tmp_path / "checklist.yaml").write_text(text.replace("'\\blater of", "'(\\blater of"))
    shutil.copy(POLICY_DIR / "default.yaml", tmp_path / "default.yaml")
    with pytest.raises(PolicyError, match="retention.prompts-outputs: rules.*bad pattern"):
        load_policy(tmp_path / "default.yaml")


def test_ignore_scopes_must_name_checklist_scopes(tmp_path):
    shutil.copy(POLICY_DIR / "checklist.yaml", tmp_path / "checklist.yaml")
    p = tmp_path / "p.yaml"
    p.write_text((POLICY_DIR / "default.yaml").read_text().replace("ignore_scopes: []", "ignore_scopes: [gold tier]"))
    with pytest.raises(PolicyError, match="ignore_scopes: unknown scope 'gold tier'"):
        load_policy(p)
