"""Policy files: which answers an organisation accepts per question, numeric limits, remediation text.

```yaml
name: default
version: "1"
checklist: checklist.yaml          # the questions and detectors, relative to this file
min_confidence: 0.6                # below this a finding is sent to `review`
ignore_scopes: []                  # tiers/services you do not use; the verdict follows the worst other answer
questions:
  retention.prompts-outputs:
    compliant: [zero, until-deleted, "days<=30"]
    gap: ["days>30", indefinite]
    remediation: Negotiate a retention cap of 30 days or a zero-retention option.
```
A condition is an answer, optionally with a comparison on its value (`hours<=72`, `notice>=30`); `*` is any
answer. Verdict lists are tried in the order compliant, partial, gap, review; an answer no list names gets
verdict `review` (or `not-addressed` when the document is silent).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import safeyaml
from ..facts.checklist import Checklist, ChecklistError, load_checklist

CONDITION = re.compile(r"^(?P<answer>\*|[a-z][a-z0-9-]*)(?:\s*(?P<op><=|>=|<|>|==)\s*(?P<num>\d+(?:\.\d+)?))?$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionPolicy(Strict):
    compliant: tuple[str, ...] = ()
    partial: tuple[str, ...] = ()
    gap: tuple[str, ...] = ()
    review: tuple[str, ...] = ()
    remediation: str = ""

    def ordered(self):
        return (("compliant", self.compliant), ("partial", self.partial), ("gap", self.gap), ("review", self.review))


class Policy(Strict):
    name: str
    version: str
    description: str = ""
    checklist: str = "checklist.yaml"
    min_confidence: float = Field(0.6, ge=0, le=1)
    ignore_scopes: tuple[str, ...] = Field((), description="tiers or services (checklist scope names) this "
                                           "organisation does not use; answers for any other scope count, and "
                                           "the verdict follows the worst of them")
    questions: dict[str, QuestionPolicy]
    path: Optional[str] = Field(None, exclude=True)

    def load_checklist(self) -> Checklist:
        base = Path(self.path).parent if self.path else Path(".")
        return load_checklist(base / self.checklist)


class PolicyError(Exception):
    """All problems of a policy file, one per line, each naming file, question and field."""


def parse_condition(cond: str) -> tuple[str, Optional[str], Optional[float]]:
    m = CONDITION.match(cond.strip())
    if not m:
        raise ValueError(f"bad condition {cond!r} (expected ANSWER or ANSWER<=N)")
    return m.group("answer"), m.group("op"), float(m.group("num")) if m.group("num") else None


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    try:
        raw = safeyaml.load(safeyaml.read_text(path))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: a policy is a mapping with name, version and questions")
    try:
        policy = Policy.model_validate({**raw, "path": str(path)})
    except ValidationError as exc:
        raise PolicyError("\n".join(
            f"{path}: {safeyaml.field_path(e['loc'])}: {e['msg']}" for e in exc.errors())) from None
    try:
        checklist = policy.load_checklist()
    except ChecklistError as exc:
        raise PolicyError(str(exc)) from None
    errors = []
    known = {q.id: q for q in checklist.questions}
    scope_names = {sc.name for sc in checklist.scopes}
    for name in policy.ignore_scopes:
        if name not in scope_names:
            errors.append(f"{path}: ignore_scopes: unknown scope {name!r} (one of {', '.join(sorted(scope_names))})")
    for qid, qp in policy.questions.items():
        if qid not in known:
            errors.append(f"{path}: questions.{safeyaml.inline(qid)}: unknown question (not in {policy.checklist})")
            continue
        answers = set(known[qid].answers) | {"not-addressed", "*"}
        for verdict, conds in qp.ordered():
            for cond in conds:
                try:
                    answer, _, _ = parse_condition(cond)
                except ValueError as exc:
                    errors.append(f"{path}: questions.{qid}.{verdict}: {exc}")
                    continue
                if answer not in answers:
                    errors.append(f"{path}: questions.{qid}.{verdict}: unknown answer '{answer}' "
                                  f"(one of {', '.join(sorted(answers - {'*'}))})")
    for qid in known:
        if qid not in policy.questions:
            errors.append(f"{path}: questions.{qid}: missing (every checklist question needs a verdict rule)")
    if errors:
        raise PolicyError("\n".join(errors))
    return policy
