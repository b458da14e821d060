"""Question detectors: run the checklist's rules over annotated sentences and decide one answer per question.

Per sentence, the first rule of a question that matches gives that sentence's reading (a hit). Per document,
combos join signals found in different sentences, hits scoped to tiers that do not apply to a paying business
customer are kept aside as scoped answers, and the question's `prefer` order picks the answer among the rest.

With a learned reader (learn.model), rules and model work together: the model decides which sentences can be
evidence for a question at all (a rule's hit on a sentence the model finds irrelevant is dropped), proposes an
answer where no rule reads any sentence, and its agreement with the rules' answer sets the confidence, a
calibrated probability that the answer is right (learn.crossval.fit_calibration).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..learn.model import Reading, ReaderModel
from ..models import AnnotatedDocument, Basis, Evidence, Fact, ScopedAnswer, Sentence
from ..nlp.pipeline import lemmatize
from .checklist import Checklist, Pattern, Question, Rule, ValueSpec


#: the "scope" of an answer another sentence gives for the same (main) scope: a reading, not a tier
OTHER_READING = "other clauses"


@dataclass(frozen=True)
class Hit:
    answer: str
    confidence: float
    sentence: Sentence
    value: float | str | None
    scope: str | None
    rule: str
    reading: Reading | None = None


class Memo:
    """A sentence's lemma string with the results of the patterns already tried on it (rules share patterns)."""

    __slots__ = ("text", "seen")

    def __init__(self, text: str):
        self.text = text
        self.seen: dict[int, bool] = {}

    def __call__(self, pattern: Pattern) -> bool:
        key = id(pattern)
        hit = self.seen.get(key)
        if hit is None:
            hit = self.seen[key] = pattern.search(self.text) is not None
        return hit


class CompiledRule:
    def __init__(self, cl: Checklist, rule: Rule):
        self.rule = rule
        self.all = [cl.compile(p) for p in rule.all]
        self.any = [cl.compile(p) for p in rule.any]
        self.none = [cl.compile(p) for p in rule.none]
        self.context = [cl.compile(p) for p in rule.context]
        self.unless = cl.compile(rule.unless) if rule.unless else None
        self.not_unless = cl.compile(rule.not_unless) if rule.not_unless else None
        v = rule.value
        self.near = cl.compile(v.near) if v and v.near else None
        self.avoid = cl.compile(v.avoid) if v and v.avoid else None

    def matches(self, text: "Memo", exceptions: str, s: Sentence) -> bool:
        if not all(text(p) for p in self.all):
            return False
        if self.context and not all(text(p) or p.search(s.context) or p.search(s.headings) for p in self.context):
            return False
        if self.any and not any(text(p) for p in self.any):
            return False
        if any(text(p) for p in self.none):
            return False
        if self.unless and not self.unless.search(exceptions):
            return False
        if self.not_unless and self.not_unless.search(exceptions):
            return False
        return True

    def value(self, s: Sentence) -> float | str | None:
        spec: ValueSpec | None = self.rule.value
        if spec is None or spec.unit == "text":
            return None
        low = f"{s.lead_in} {s.text}".lower() if s.lead_in else s.text.lower()
        found = []
        for d in s.durations:
            if d.qualifier not in spec.qualifiers:
                continue
            pos = low.find(d.text.lower())
            before = low[max(0, pos - 90):pos] if pos >= 0 else ""
            window = low[max(0, pos - 90):pos + len(d.text) + 60] if pos >= 0 else low
            if self.near and not self.near.search(window):
                continue
            if self.avoid and self.avoid.search(before[-45:]):
                continue
            if spec.unit == "hours":
                found.append(d.hours)
            else:
                found.append(d.value if d.unit == "business-days" else d.days)
        if not found:
            return None
        return {"max": max, "min": min, "first": lambda xs: xs[0]}[spec.pick](found)


class CompiledQuestion:
    def __init__(self, cl: Checklist, q: Question):
        self.q = q
        self.rules = [CompiledRule(cl, r) for r in q.rules]


_COMPILED: dict[int, tuple[Checklist, list[CompiledQuestion], list[tuple[str, Pattern, bool]]]] = {}


def _compiled(cl: Checklist) -> tuple[list[CompiledQuestion], list[tuple[str, Pattern, bool]]]:
    """Compiled rules per checklist object (kept alive in the cache so its id stays unique)."""
    entry = _COMPILED.get(id(cl))
    if entry is None or entry[0] is not cl:
        entry = (cl, [CompiledQuestion(cl, q) for q in cl.questions],
                 [(s.name, cl.compile(s.pattern), s.business) for s in cl.scopes])
        _COMPILED[id(cl)] = entry
    return entry[1], entry[2]


def evidence_of(s: Sentence) -> Evidence:
    loc = s.location
    return Evidence(quote=s.text, page=loc.page, line=loc.line, section=" > ".join(loc.section),
                    clause=loc.clause, start=loc.start, end=loc.end)


def _pick(values: list, how: str):
    values = [v for v in values if v is not None]
    if not values:
        return None
    if all(isinstance(v, (int, float)) for v in values):
        return {"max": max, "min": min, "first": lambda xs: xs[0]}[how](values)
    return values[0]


def _fmt(v):
    return int(v) if isinstance(v, float) and v.is_integer() else v


def decide(cq: CompiledQuestion, hits: list[Hit], override: Pattern | None, above: Pattern | None = None
           ) -> Fact:
    q = cq.q
    signals = {h.answer for h in hits if h.scope is None}
    for combo in q.combos:
        if all(sig in signals for sig in combo.all):
            members = [h for h in hits if h.answer in combo.all and h.scope is None]
            # the first sentence of each signal stands as evidence
            seen, ev = set(), []
            for h in members:
                if h.answer not in seen:
                    seen.add(h.answer)
                    ev.append(h.sentence)
            value = _pick([h.value for h in members], q.value_pick)
            for s in ev:
                hits.append(Hit(combo.answer, combo.confidence, s, value, None, "combo"))
    answers = [h for h in hits if h.answer in q.answers]
    primary = [h for h in answers if h.scope is None]
    scoped_hits = [h for h in answers if h.scope is not None]
    if override is not None:
        overriding = [h for h in primary if override.search(h.sentence.lemmas)]
        if overriding:  # "Notwithstanding anything to the contrary, ..." decides the question; "Notwithstanding
            # the above, ..." only over the sentences before it (a duty that follows it still stands)
            def after_all(h: Hit) -> bool:
                return above is not None and all(above.search(o.sentence.lemmas) and o.sentence.location.start <
                                                  h.sentence.location.start for o in overriding)
            primary = [h for h in primary if h in overriding or after_all(h)]
    pool = primary or scoped_hits
    if not pool:
        return Fact(question=q.id, answer="not-addressed", confidence=0.9)
    chosen = next(a for a in q.prefer if any(h.answer == a for h in pool))
    mine = sorted((h for h in pool if h.answer == chosen), key=lambda h: (-h.confidence, h.sentence.location.start))
    value = _pick([h.value for h in sorted(mine, key=lambda h: h.sentence.location.start)], q.value_pick)
    confidence = mine[0].confidence * (1.0 if primary else 0.6)
    evidence, seen_quotes = [], set()
    for h in mine:
        if h.sentence.text not in seen_quotes:
            seen_quotes.add(h.sentence.text)
            evidence.append(evidence_of(h.sentence))
        if len(evidence) >= q.max_evidence:
            break
    others = {}
    for h in answers:
        if h.answer == chosen and (h.scope is None) == bool(primary):
            continue
        key = (h.answer, h.scope or OTHER_READING)
        others.setdefault(key, h)
    scoped = tuple(ScopedAnswer(answer=a, value=_fmt(h.value), scope=sc, evidence=(evidence_of(h.sentence),))
                   for (a, sc), h in others.items())
    rules = ", ".join(dict.fromkeys(h.rule for h in mine))
    return Fact(question=q.id, answer=chosen, value=_fmt(value), confidence=round(confidence, 2),
                evidence=tuple(evidence), scoped=scoped, rationale=f"matched: {rules}")


def detect(doc: AnnotatedDocument, checklist: Checklist, reader: ReaderModel | None = None) -> tuple[Fact, ...]:
    return detect_sentences(doc.sentences, checklist, reader)


def detect_sentences(sentences: Iterable[Sentence], checklist: Checklist, reader: ReaderModel | None = None
                     ) -> tuple[Fact, ...]:
    """The facts of a document from its sentences in order, read once (they may come one at a time: only those
    kept as evidence or candidates stay in memory)."""
    questions, scopes = _compiled(checklist)
    hits: dict[str, list[Hit]] = {cq.q.id: [] for cq in questions}
    candidates: dict[str, list] = {cq.q.id: [] for cq in questions}
    nearest: dict[str, list[tuple[float, Sentence]]] = {}  # per question, the two sentences closest to it
    skip = checklist.compile(checklist.skip) if checklist.skip else None
    gate = reader.gate if reader else 0.0
    propose = reader.propose if reader else 0.0
    known = set(reader.questions) if reader else set()
    for s in sentences:
        if s.definition or (skip is not None and skip.search(s.lemmas)):
            continue
        exceptions = lemmatize(" ; ".join(s.exceptions)) if s.exceptions else ""
        scope = None
        for name, rx, business in scopes:
            if not business and (rx.search(s.lemmas) or rx.search(s.headings)):
                scope = name
                break
        # the model's reading, for the questions the sentence speaks to at all (the others run no rule)
        readings = reader.read_relevant(s.lemmas, s.headings, exceptions, checklist.tags(s.lemmas)) \
            if reader else None
        memo = Memo(s.lemmas)
        for cq in questions:
            qid = cq.q.id
            if readings is not None:
                reading = readings.get(qid)
                if reading is None:
                    if qid not in known:
                        raise KeyError(qid)
                    continue
                if reading.relevance < gate:
                    continue
            else:
                reading = None
            for cr in cq.rules:
                if not cr.matches(memo, exceptions, s):
                    continue
                if cr.rule.answer == "ignore":
                    break
                value = cr.value(s)
                if cr.rule.value and cr.rule.value.required and value is None:
                    continue
                hits[qid].append(Hit(cr.rule.answer, cr.rule.confidence, s, value, scope,
                                     cr.rule.name or cr.rule.answer, reading))
                break
        if readings:
            for q, reading in readings.items():
                if reading.relevance >= gate:
                    closest = nearest.setdefault(q, [])
                    closest.append((reading.relevance, s))
                    if len(closest) > 2:
                        closest.remove(min(closest, key=lambda c: c[0]))
                if reading.relevance >= propose:
                    candidates[q].append((s, reading, scope))
    override = checklist.compile(checklist.override) if checklist.override else None
    above = checklist.compile(checklist.override_above) if checklist.override_above else None
    if reader is None:
        return tuple(decide(cq, hits[cq.q.id], override, above) for cq in questions)
    facts = []
    for cq in questions:
        mine = reader.keep_relevant(hits[cq.q.id], cq.q.answers)
        fact = decide(cq, mine, override, above)
        facts.append(weigh(fact, cq.q, mine, candidates[cq.q.id], nearest.get(cq.q.id, []), reader))
    return tuple(facts)


def weigh(fact: Fact, q: Question, hits: list[Hit], candidates: list[tuple[Sentence, Reading, str | None]],
          nearest: list[tuple[float, Sentence]], reader: ReaderModel) -> Fact:
    """The rules' answer weighed by the model: its confidence becomes the calibrated probability of being right
    given how relevant the evidence is and how far the model agrees; where no rule answered, the model's own
    answer from the sentences it finds most relevant, if it is sure enough (reader.settle); and where nothing
    answers, how sure `not-addressed` is, with the sentences that came closest as candidate evidence."""
    if fact.answer != "not-addressed":
        quotes = {e.quote for e in fact.evidence}
        mine = [h.reading for h in hits if h.reading is not None and h.sentence.text in quotes]
        relevance = max((r.relevance for r in mine), default=0.0)
        agreement = max((r.answers.get(fact.answer, 0.0) for r in mine), default=0.0)
        rivals = sum(1 for sc in fact.scoped if sc.scope == OTHER_READING)
        basis = Basis(kind="rule", relevance=round(relevance, 3), agreement=round(agreement, 3), rule=fact.confidence,
                      rivals=rivals)
        return reader.settle(fact.model_copy(update={
            "basis": basis, "rationale": f"{fact.rationale}; model: relevance {relevance:.2f}, agrees {agreement:.2f}"}))
    main = [c for c in candidates if c[2] is None] or candidates
    votes: dict[str, float] = {}
    for _, r, _ in main:
        for a, p in r.answers.items():
            if a in q.answers:
                votes[a] = votes.get(a, 0.0) + r.relevance * p
    closest = sorted(nearest, key=lambda c: -c[0])
    top = closest[0][0] if closest else 0.0
    nothing = Fact(question=q.id, answer="not-addressed", candidates=tuple(evidence_of(s) for _, s in closest),
                   basis=Basis(kind="none", relevance=round(top, 3), agreement=0.0),
                   rationale=f"no rule matched; the closest sentence's relevance {top:.2f}")
    if not votes:
        return reader.settle(nothing)
    answer = max(votes, key=lambda a: (votes[a], -q.answers.index(a)))
    support = sorted(((s, r) for s, r, _ in main if r.best[0] == answer), key=lambda sr: -sr[1].relevance)
    if not support:
        return reader.settle(nothing)
    relevance, agreement = support[0][1].relevance, support[0][1].answers[answer]
    basis = Basis(kind="model", relevance=round(relevance, 3), agreement=round(agreement, 3))
    evidence = tuple(evidence_of(s) for s, _ in support[:q.max_evidence])
    return reader.settle(Fact(question=q.id, answer=answer, evidence=evidence, basis=basis,
                              rationale=f"model: relevance {relevance:.2f}, answer {agreement:.2f} (no rule matched)"))
