"""The checklist as data: questions, answer values and the rules that detect them (policies/checklist.yaml).

Rules are regular expressions over a sentence's lemma string (see nlp.pipeline). `{name}` inside a pattern expands
to a macro or a concept of the checklist, so the YAML reads like the phrasing it catches. Validation reports every
bad rule with its file, question and field at once.
"""
from __future__ import annotations

import difflib
import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterable, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .. import safeyaml
from .literals import quick_test


class Pattern:
    """A compiled checklist pattern: `search(text)` is the regular expression's, run only on texts that hold the
    literals every match needs (see literals.py)."""

    __slots__ = ("regex", "pattern", "search")

    def __init__(self, regex: re.Pattern):
        self.regex = regex
        self.pattern = regex.pattern
        test = quick_test(regex)
        search = regex.search
        self.search = search if test is None else (lambda text: search(text) if test(text) else None)


@lru_cache(maxsize=None)
def _compile(expanded: str) -> Pattern:
    """One pattern object per distinct pattern, so the detectors can share a sentence's match results."""
    return Pattern(re.compile(factor(expanded)))


# --------------------------------------------------------------------------- pattern speed
# Python's re skips ahead on the first characters of an alternation's branches, but not when a branch starts
# with \b: '(?:\bnot|\bnever)' is ~10x slower to search than '\b(?:not|never)'. factor() rewrites the first
# into the second (same matches), so rules can be written naturally.

def _split_group(p, i):
    """p[i] == '(' ; return (end index of matching ')', list of top-level branch strings, prefix like '(?:')."""
    depth, j, n = 0, i, len(p)
    in_class = False
    while j < n:
        c = p[j]
        if c == "\\":
            j += 2; continue
        if in_class:
            if c == "]": in_class = False
        elif c == "[": in_class = True
        elif c == "(": depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0: return j
        j += 1
    raise ValueError("unbalanced")

def branches(body):
    out, depth, start, j, in_class = [], 0, 0, 0, False
    while j < len(body):
        c = body[j]
        if c == "\\": j += 2; continue
        if in_class:
            if c == "]": in_class = False
        elif c == "[": in_class = True
        elif c == "(": depth += 1
        elif c == ")": depth -= 1
        elif c == "|" and depth == 0:
            out.append(body[start:j]); start = j + 1
        j += 1
    out.append(body[start:])
    return out

def factor(p):
    """Move a leading \\b out of a non-capturing group when every branch starts with it: (?:\\ba|\\bb) -> \\b(?:a|b).
    Same matches; Python's re can then skip ahead on the branches' first characters."""
    out, i = [], 0
    while i < len(p):
        c = p[i]
        if c == "\\":
            out.append(p[i:i+2]); i += 2; continue
        if c == "[":
            j = i + 1
            if j < len(p) and p[j] == "^": j += 1
            if j < len(p) and p[j] == "]": j += 1
            while p[j] != "]":
                j += 2 if p[j] == "\\" else 1
            out.append(p[i:j+1]); i = j + 1; continue
        if p.startswith("(?:", i):
            end = _split_group(p, i)
            inner = [factor(b) for b in branches(p[i+3:end])]
            quantified = end + 1 < len(p) and p[end + 1] in "?*+{"
            if not quantified and all(b.startswith("\\b") for b in inner):
                out.append("\\b(?:" + "|".join(b[2:] for b in inner) + ")")
            else:
                out.append("(?:" + "|".join(inner) + ")")
            i = end + 1; continue
        out.append(c); i += 1
    return "".join(out)



class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValueSpec(Strict):
    unit: Literal["days", "hours", "text"] = Field(description="unit the value is normalised to")
    near: Optional[str] = Field(None, description="pattern the words just before the duration must match")
    avoid: Optional[str] = Field(None, description="pattern that disqualifies a duration when found just before it")
    pick: Literal["max", "min", "first"] = "max"
    required: bool = Field(True, description="the rule only matches when a value is found")
    qualifiers: tuple[Literal["max", "min", "exact"], ...] = ("max", "exact")


class Rule(Strict):
    answer: str = Field(description="an answer value of the question, a signal name used by combos, or 'ignore' "
                                    "(the sentence is about the question but answers nothing, e.g. a negated signal)")
    name: str = ""
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    context: tuple[str, ...] = Field((), description="each must match the sentence, its clause or its headings")
    unless: Optional[str] = Field(None, description="an 'unless/except' phrase of the sentence must match this")
    not_unless: Optional[str] = Field(None, description="no 'unless/except' phrase may match this")
    confidence: float = Field(0.8, ge=0, le=1)
    value: Optional[ValueSpec] = None


class Combo(Strict):
    """Signals found anywhere in the document that together make an answer (e.g. 'at rest' + 'in transit')."""
    all: tuple[str, ...]
    answer: str
    confidence: float = Field(0.8, ge=0, le=1)


class Question(Strict):
    id: str
    title: str
    answers: tuple[str, ...]
    prefer: tuple[str, ...] = Field(description="when sentences disagree, the first of these found wins")
    rules: tuple[Rule, ...]
    combos: tuple[Combo, ...] = ()
    value_pick: Literal["max", "min", "first"] = "max"
    max_evidence: int = 3
    plain: dict[str, str] = Field({}, description="each answer (and not-addressed) in plain words for reports; "
                                                  "{value}, {value_within} and {value_in} take the value")

    @model_validator(mode="after")
    def _check(self) -> "Question":
        bad = [a for a in self.prefer if a not in self.answers]
        if bad:
            raise ValueError(f"prefer names unknown answers {bad}")
        missing = [a for a in self.answers if a not in self.prefer]
        if missing:
            raise ValueError(f"prefer must rank every answer; missing {missing}")
        return self


class Scope(Strict):
    name: str
    pattern: str
    business: bool = Field(description="does this scope apply to the paying business customer?")


class Checklist(Strict):
    name: str
    version: str
    macros: dict[str, str] = {}
    concepts: dict[str, str] = Field({}, description="named patterns; also used to read definitions")
    scopes: tuple[Scope, ...] = ()
    skip: Optional[str] = Field(None, description="sentences that commit the vendor to nothing (the customer's own "
                                                  "prohibitions), read by no rule")
    override: Optional[str] = Field(None, description="a sentence matching this ('Notwithstanding the foregoing, ...') "
                                                      "overrides the other sentences answering the same question")
    override_above: Optional[str] = Field(None, description="an overriding sentence that also matches this "
                                                            "('Notwithstanding the above, ...') overrides only the "
                                                            "sentences before it")
    questions: tuple[Question, ...]

    def expand(self, pattern: str) -> str:
        table = {**self.concepts, **self.macros}
        for _ in range(5):
            new = re.sub(r"\{([a-z_][a-z0-9_]*)\}", lambda m: f"(?:{table[m.group(1)]})" if m.group(1) in table
                         else m.group(0), pattern)
            if new == pattern:
                break
            pattern = new
        return pattern

    def compile(self, pattern: str) -> Pattern:
        return _compile(self.expand(pattern))

    @cached_property
    def concept_patterns(self) -> dict[str, Pattern]:
        return {k: self.compile(v) for k, v in self.concepts.items()}

    @cached_property
    def tag_patterns(self) -> tuple[tuple[str, Pattern], ...]:
        """The vocabulary classes of the rules (macros and concepts that name words, not gaps like {w6})."""
        names = [k for k in {**self.macros, **self.concepts} if not re.fullmatch(r"w\d+", k)]
        return tuple((k, self.compile("{" + k + "}")) for k in sorted(names))

    def tags(self, lemmas: str) -> tuple[str, ...]:
        """Which vocabulary classes a lemma string uses: what the learned reader sees besides the words."""
        return tuple(k for k, rx in self.tag_patterns if rx.search(lemmas))

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def select(self, check: Iterable[str] = (), skip: Iterable[str] = ()) -> tuple[str, ...]:
        """The IDs of the questions `check` names (every question when it names none) less those `skip` names,
        in checklist order. ValueError for an ID the checklist does not have, with the nearest one it has."""
        ids = [q.id for q in self.questions]
        check, skip = list(check), list(skip)
        for qid in check + skip:
            if qid not in ids:
                near = difflib.get_close_matches(qid, ids, n=1)
                raise ValueError(f"unknown question '{qid}'" + (f" (did you mean {near[0]}?)" if near else
                                                                " (see: termsgap policy list)"))
        return tuple(q for q in ids if (not check or q in check) and q not in skip)


class ChecklistError(Exception):
    pass


def _pattern_errors(cl: Checklist, path: Path) -> list[str]:
    errors = []

    def check(where: str, pat: Optional[str]) -> None:
        if pat is None:
            return
        try:
            re.compile(cl.expand(pat))
        except re.error as exc:
            errors.append(f"{path}: {where}: bad pattern {pat!r}: {exc}")
        left = re.findall(r"\{([a-z_][a-z0-9_]*)\}", cl.expand(pat))
        if left:
            errors.append(f"{path}: {where}: unknown macro {{{left[0]}}}")

    for q in cl.questions:
        signals = {c for combo in q.combos for c in combo.all}
        for i, r in enumerate(q.rules):
            where = f"{q.id}: rules[{i}]"
            if r.answer not in q.answers and r.answer not in signals and r.answer != "ignore":
                errors.append(f"{path}: {where}: answer '{r.answer}' is neither an answer of the question nor a combo signal")
            for field in ("all", "any", "none", "context"):
                for j, p in enumerate(getattr(r, field)):
                    check(f"{where}.{field}[{j}]", p)
            check(f"{where}.unless", r.unless)
            check(f"{where}.not_unless", r.not_unless)
            if r.value:
                check(f"{where}.value.near", r.value.near)
                check(f"{where}.value.avoid", r.value.avoid)
        for c in q.combos:
            if c.answer not in q.answers:
                errors.append(f"{path}: {q.id}: combo answer '{c.answer}' is not an answer of the question")
    for s in cl.scopes:
        check(f"scopes.{s.name}", s.pattern)
    check("override", cl.override)
    check("override_above", cl.override_above)
    check("skip", cl.skip)
    return errors


def load_checklist(path: str | Path) -> Checklist:
    path = Path(path)
    try:
        raw = safeyaml.load(safeyaml.read_text(path))
    except (OSError, yaml.YAMLError) as exc:
        raise ChecklistError(f"{path}: cannot read checklist: {exc}") from None
    try:
        cl = Checklist.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path}: {safeyaml.field_path(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ChecklistError("\n".join(lines)) from None
    errors = _pattern_errors(cl, path)
    if errors:
        raise ChecklistError("\n".join(errors))
    return cl


# --------------------------------------------------------------------------- answers in words

# Unit of a numeric value, by answer first, then by question (see spec/checklist.md).
_UNIT_BY_ANSWER = {"days": "day", "hours": "hour", "business-days": "business day"}
_UNIT_BY_QUESTION = {
    "retention.post-termination": "day",
    "retention.prompts-outputs": "day",
    "access.subprocessors": "day's notice",
    "contract.unilateral-changes": "day's notice",
    "security.breach-notification": "hour",
}


def number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _plural(unit: str, n: float) -> str:
    if n == 1:
        return unit
    if unit.endswith("'s notice"):
        return unit.replace("'s notice", "s' notice")
    return unit + "s"


def value_text(question: str, answer: str, value: Optional[float | str]) -> str:
    """The value with its unit, for people: '30 days', '72 hours', "30 days' notice", 'EU, UK'."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    unit = _UNIT_BY_ANSWER.get(answer) or _UNIT_BY_QUESTION.get(question)
    n = number_text(value)
    return f"{n} {_plural(unit, float(value))}" if unit else n


def plain_text(question: "Question", answer: str, value) -> str:
    """The answer in plain words for a reader who does not know the slugs ('' when the checklist has none)."""
    said = question.plain.get(answer, "")
    vt = value_text(question.id, answer, value)
    return said.format(value=vt or "a stated period", value_within=f" within {vt}" if vt else "",
                       value_in=f" ({vt})" if vt else "")
