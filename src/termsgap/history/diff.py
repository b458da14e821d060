"""The semantic change report between two versions of a vendor's terms.

Per document (matched across runs by source), two things change:

- **Clauses**, aligned by normalised text, never by line or clause number: exact matches after normalisation
  (case, punctuation, whitespace, leading clause numbers and "Section 4.2"-style cross references removed) are
  unchanged; a clause that was split in two or merged is a reflow, not a change; the rest is paired by
  similarity (rapidfuzz, at least `REWORD_MIN`) as *reworded*, and what is left is *added* or *removed*.
  A renumbering or reflow therefore reports no clause change.
- **Facts**: the answer of each question. A fact *changed* when its answer differs, or when both versions state a
  number (days, hours) and the numbers differ; a number that appears or disappears under the same answer is not a
  changed fact (the corpus's rule), though its verdict change still shows. Separately the
  report lists verdict-only changes (same answer, other verdict: a policy edit, a waiver that lapsed) and
  evidence-only changes (same answer, other sentences quoted: a waiver bound to them stops applying).

A verdict change is *worse* when it moves toward gap in the order
compliant (and waived) > not-addressed / partial > review > gap.

The words a reworded clause lost and gained are structure (`ClauseChange.delta`, a list of `DeltaPart`), never
markers inside the vendor's text, so a clause that itself contains `[-...-]`, `{+...+}` or `<ins>` cannot pose
as a change; each renderer marks the parts in its own format and escapes the text.
"""
from __future__ import annotations

import difflib
import re
from datetime import datetime, timezone
from typing import Literal, Optional

from pydantic import computed_field, field_validator

from ..models import Clause, DocumentFacts, DocumentResult, Finding, Frozen, RunResult, Verdict

#: 2.0: a reworded clause's `delta` is a list of {op, text} parts (1.x: one string with [-...-] {+...+} markers,
#: still read); an added document (a first check) lists its gaps, reviews and partials as facts
SCHEMA_VERSION = "2.0"
READS_MAJOR = ("1", "2")
REWORD_MIN = 70.0

#: what an added document (or the first check of a vendor) lists: its findings that need attention
ATTENTION = (Verdict.GAP, Verdict.REVIEW, Verdict.PARTIAL)
#: higher is better; a change to a lower rank is "worse"
VERDICT_RANK = {Verdict.COMPLIANT: 3, Verdict.WAIVED: 3, Verdict.NOT_ADDRESSED: 2, Verdict.PARTIAL: 2,
                Verdict.REVIEW: 1, Verdict.GAP: 0}


# --------------------------------------------------------------------------- the report model

class ClauseRef(Frozen):
    text: str
    clause: Optional[str] = None
    section: str = ""
    page: Optional[int] = None
    line: Optional[int] = None


class DeltaPart(Frozen):
    """A run of words of a reworded clause: kept (`same`, shortened with `…` far from a change), `removed` or
    `added`. `text` is the vendor's text, never markup."""
    op: Literal["same", "removed", "added"]
    text: str


_LEGACY_MARKS = re.compile(r"(\[-.*?-\]|\{\+.*?\+\})")


class ClauseChange(Frozen):
    kind: Literal["added", "removed", "reworded"]
    before: Optional[ClauseRef] = None
    after: Optional[ClauseRef] = None
    similarity: Optional[float] = None  # 0-100, for reworded clauses
    delta: tuple[DeltaPart, ...] = ()  # for reworded clauses: the changed words with a little context
    questions: tuple[str, ...] = ()  # questions whose evidence (before or after) lies in this clause

    @field_validator("delta", mode="before")
    @classmethod
    def _legacy_delta(cls, v):
        """A schema 1.x delta string, read as it was rendered (its markers were ambiguous, as they were then)."""
        if not isinstance(v, str):
            return v
        parts = []
        for piece in _LEGACY_MARKS.split(v):
            if piece.startswith("[-") and piece.endswith("-]"):
                parts.append({"op": "removed", "text": piece[2:-2]})
            elif piece.startswith("{+") and piece.endswith("+}"):
                parts.append({"op": "added", "text": piece[2:-2]})
            elif piece.strip():
                parts.append({"op": "same", "text": piece.strip()})
        return parts


class FactState(Frozen):
    answer: str
    value: Optional[float | str] = None
    verdict: Verdict
    evidence: tuple[str, ...] = ()
    where: tuple[str, ...] = ()  # short locator of each evidence quote ('l.12 §4.2', 'p.3')
    fingerprints: tuple[str, ...] = ()
    waiver_note: str = ""


class FactChange(Frozen):
    question: str
    kind: Literal["fact", "verdict", "evidence"] = "fact"
    before: Optional[FactState] = None
    after: Optional[FactState] = None

    @computed_field
    @property
    def worse(self) -> bool:
        if self.before is None or self.after is None:
            return False
        return VERDICT_RANK[self.after.verdict] < VERDICT_RANK[self.before.verdict]

    @computed_field
    @property
    def verdict_changed(self) -> bool:
        return self.before is not None and self.after is not None and self.before.verdict != self.after.verdict

    @property
    def line(self) -> str:
        """`retention.prompts-outputs: days 30 (compliant) → not-addressed (gap)`."""
        b, a = self.before, self.after
        if b is None or a is None:
            return f"{self.question}: {state_text(b) if b else 'absent'} → {state_text(a) if a else 'absent'}"
        before = state_text(b, with_verdict=b.verdict != a.verdict)
        text = f"{self.question}: {before} → {state_text(a)}"
        if self.kind == "evidence":
            text = f"{self.question}: {state_text(a)}, evidence changed"
        return text


class DocumentChange(Frozen):
    source: str
    key: str
    status: Literal["unchanged", "changed", "added", "removed", "error"]
    sha_before: Optional[str] = None
    sha_after: Optional[str] = None
    error: Optional[str] = None
    reflowed: int = 0  # clauses split, merged or renumbered without other change
    clauses: tuple[ClauseChange, ...] = ()
    facts: tuple[FactChange, ...] = ()

    @property
    def fact_changes(self) -> list[FactChange]:
        return [f for f in self.facts if f.kind == "fact"]

    @property
    def verdict_changes(self) -> list[FactChange]:
        return [f for f in self.facts if f.kind == "verdict"]

    @property
    def evidence_changes(self) -> list[FactChange]:
        return [f for f in self.facts if f.kind == "evidence"]

    def clause_count(self, kind: str) -> int:
        return sum(1 for c in self.clauses if c.kind == kind)


class RunRef(Frozen):
    id: Optional[int] = None
    created: str = ""
    policy: str = ""


class ChangeReport(Frozen):
    """What changed for one vendor between two runs (or a run and the last good state of each source)."""

    schema_version: str = SCHEMA_VERSION
    vendor: Optional[str] = None
    before: Optional[RunRef] = None
    after: RunRef
    created: str = ""
    documents: tuple[DocumentChange, ...] = ()

    @computed_field
    @property
    def changed(self) -> bool:
        """The terms changed: a document added or removed, a clause added/removed/reworded, or a fact changed.

        Verdict-only changes (a policy edit, a waiver granted or lapsed) are not term changes; one that moves
        toward gap still makes the report `worse`. The first run of a vendor (no `before`) is a baseline."""
        if self.before is None:
            return False
        return any(d.status in ("added", "removed") or d.clauses or d.fact_changes for d in self.documents)

    @computed_field
    @property
    def verdicts_changed(self) -> bool:
        return any(f.verdict_changed for d in self.documents for f in d.facts)

    @computed_field
    @property
    def worse(self) -> bool:
        return any(f.worse for d in self.documents for f in d.facts)

    @computed_field
    @property
    def errors(self) -> int:
        return sum(1 for d in self.documents if d.status == "error")

    @classmethod
    def loads(cls, text: str | bytes) -> "ChangeReport":
        """Read a change report's JSON back (computed fields are dropped and recomputed)."""
        import json

        data = json.loads(text)
        major = str(data.get("schema_version", "")).split(".", 1)[0]
        if major not in READS_MAJOR:
            raise ValueError(f"change report schema version {data.get('schema_version')!r} is not supported "
                             f"(this termsgap reads {SCHEMA_VERSION})")
        for k in ("changed", "worse", "errors", "verdicts_changed"):
            data.pop(k, None)
        for d in data.get("documents", []):
            for f in d.get("facts", []):
                f.pop("worse", None)
                f.pop("verdict_changed", None)
        return cls.model_validate(data)

    def exit_code(self, fail_on: str = "changed") -> int:
        """0 nothing changed, 3 terms changed without a worse verdict, 4 a verdict got worse, 2 a source failed.

        fail_on: `changed` (default) 4 / 3 as above; `worse` only 4 fails; `never` changes never fail.
        An unreadable source exits 2 unless a change code applies.
        """
        if fail_on in ("changed", "worse") and self.worse:
            return 4
        if fail_on == "changed" and self.changed:
            return 3
        return 2 if self.errors else 0


# --------------------------------------------------------------------------- helpers

_NUM = r"(?:\d+(?:\.\d+)*\.?|[ivxlc]{1,6}\.|[a-z]\.|\(?[a-z0-9]{1,4}\))"
_LEADING = re.compile(rf"^\s*(?:(?:section|clause|article|§)\s*)?(?:{_NUM}\s*)+", re.I)
_XREF = re.compile(r"\b(sections?|clauses?|articles?|paragraphs?|annex(?:es)?|schedules?|exhibits?|appendix|§§?)"
                   r"\s*(?:\d+(?:\.\d+)*|[a-z]\b|[ivxlc]+\b)(?:\s*\([a-z0-9]{1,4}\))*", re.I)


def normalise(text: str) -> str:
    """Clause text for alignment: no leading number, cross references without numbers, words only."""
    t = _LEADING.sub("", text.replace("\u00a0", " "))
    t = _XREF.sub(lambda m: m.group(1).lower().rstrip("s") + " #", t)
    t = t.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"[^a-z0-9#]+", " ", t).strip()


def _num(v):
    if isinstance(v, (int, float)):
        return float(v)
    return v


def state_text(s: FactState, with_verdict: bool = True) -> str:
    value = ""
    if s.value is not None and s.value != "":
        v = s.value
        value = f" {int(v) if isinstance(v, float) and v.is_integer() else v}"
    return f"{s.answer}{value}" + (f" ({s.verdict.value})" if with_verdict else "")


def _loc(e) -> str:
    parts = [f"p.{e.page}"] if e.page is not None else []
    if e.line is not None:
        parts.append(f"l.{e.line}")
    if e.clause:
        parts.append(f"§{e.clause}")
    return " ".join(parts)


def _state(f: Finding) -> FactState:
    return FactState(answer=f.answer, value=f.value, verdict=f.verdict, evidence=tuple(e.quote for e in f.evidence),
                     where=tuple(_loc(e) for e in f.evidence),
                     fingerprints=tuple(sorted({e.fingerprint for e in f.evidence})), waiver_note=f.waiver_note)


def _ref(c: Clause) -> ClauseRef:
    loc = c.location
    return ClauseRef(text=c.text, clause=loc.clause, section=" > ".join(loc.section), page=loc.page, line=loc.line)


def word_delta(before: str, after: str, context: Optional[int] = 6) -> tuple[DeltaPart, ...]:
    """The changed words with a little context: `… stored until the` `later` (removed) `earlier` (added)
    `of (a) the date …`."""
    a, b = before.split(), after.split()
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    parts: list[DeltaPart] = []
    ops = sm.get_opcodes()
    for i, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            seg = a[i1:i2]
            first, last = i == 0, i == len(ops) - 1
            if context is not None and len(seg) > 2 * context + (0 if first or last else 1):
                head = [] if first else seg[:context]
                tail = [] if last else seg[-context:]
                seg = head + ["…"] + tail
            parts.append(DeltaPart(op="same", text=" ".join(seg)))
        else:
            if i2 > i1:
                parts.append(DeltaPart(op="removed", text=" ".join(a[i1:i2])))
            if j2 > j1:
                parts.append(DeltaPart(op="added", text=" ".join(b[j1:j2])))
    return tuple(parts)


# --------------------------------------------------------------------------- clause alignment

def align_clauses(old: tuple[Clause, ...], new: tuple[Clause, ...]) -> tuple[list[ClauseChange], int]:
    """(clause changes, number of clauses that only moved, split, merged or were renumbered)."""
    from rapidfuzz import fuzz, process

    on = [normalise(c.text) for c in old]
    nn = [normalise(c.text) for c in new]
    old_left = [i for i, t in enumerate(on) if t]
    new_left = [j for j, t in enumerate(nn) if t]
    reflowed = 0

    # 1. identical after normalisation (first unused match, in order)
    by_text: dict[str, list[int]] = {}
    for j in new_left:
        by_text.setdefault(nn[j], []).append(j)
    matched_new: set[int] = set()
    rest_old = []
    for i in old_left:
        cands = by_text.get(on[i])
        if cands:
            j = cands.pop(0)
            matched_new.add(j)
            if (old[i].location.clause or "") != (new[j].location.clause or "") or old[i].text != new[j].text:
                reflowed += 1
        else:
            rest_old.append(i)
    rest_new = [j for j in new_left if j not in matched_new]

    # 2. split / merge: one clause on one side is the concatenation of consecutive clauses on the other
    def absorb(singles: list[int], stexts: list[str], pieces: list[int], ptexts: list[str]) -> tuple[set, set]:
        used_s, used_p = set(), set()
        pset = set(pieces)
        for s in singles:
            target = stexts[s]
            for p in pieces:
                if p in used_p or not target.startswith(ptexts[p]):
                    continue
                run, joined, q = [p], ptexts[p], p
                while joined != target and q + 1 in pset and q + 1 not in used_p:
                    nxt = joined + " " + ptexts[q + 1]
                    if not target.startswith(nxt):
                        break
                    joined, q = nxt, q + 1
                    run.append(q)
                if joined == target and len(run) > 1:
                    used_s.add(s)
                    used_p.update(run)
                    break
        return used_s, used_p

    s_old, p_new = absorb(rest_old, on, rest_new, nn)
    rest_old = [i for i in rest_old if i not in s_old]
    rest_new = [j for j in rest_new if j not in p_new]
    s_new, p_old = absorb(rest_new, nn, rest_old, on)
    rest_old = [i for i in rest_old if i not in p_old]
    rest_new = [j for j in rest_new if j not in s_new]
    reflowed += len(s_old) + len(s_new)

    # 3. reworded: best similarity pairs first
    changes: list[tuple[tuple[int, int], ClauseChange]] = []
    if rest_old and rest_new:
        scores = process.cdist([on[i] for i in rest_old], [nn[j] for j in rest_new], scorer=fuzz.ratio,
                               score_cutoff=REWORD_MIN)
        pairs = sorted(((float(scores[a][b]), a, b) for a in range(len(rest_old)) for b in range(len(rest_new))
                        if scores[a][b] >= REWORD_MIN), reverse=True)
        ua, ub = set(), set()
        for score, a, b in pairs:
            if a in ua or b in ub:
                continue
            ua.add(a)
            ub.add(b)
            i, j = rest_old[a], rest_new[b]
            changes.append(((j, i), ClauseChange(kind="reworded", before=_ref(old[i]), after=_ref(new[j]),
                                                 similarity=round(score, 1),
                                                 delta=word_delta(old[i].text, new[j].text))))
        rest_old = [i for k, i in enumerate(rest_old) if k not in ua]
        rest_new = [j for k, j in enumerate(rest_new) if k not in ub]
    changes += [((-1, i), ClauseChange(kind="removed", before=_ref(old[i]))) for i in rest_old]
    changes += [((j, -1), ClauseChange(kind="added", after=_ref(new[j]))) for j in rest_new]
    # document order: by position in the new version, removed clauses by their old position first
    order = {"removed": 0, "reworded": 1, "added": 1}
    changes.sort(key=lambda t: (t[0][0] if t[0][0] >= 0 else t[0][1], order[t[1].kind]))
    return [c for _, c in changes], reflowed


# --------------------------------------------------------------------------- facts

def compare_findings(before: tuple[Finding, ...], after: tuple[Finding, ...]) -> list[FactChange]:
    b = {f.question: f for f in before}
    out: list[FactChange] = []
    for fa in after:
        fb = b.pop(fa.question, None)
        if fb is None:
            out.append(FactChange(question=fa.question, kind="fact", after=_state(fa)))
            continue
        sb, sa = _state(fb), _state(fa)
        numbers_differ = (isinstance(_num(fb.value), float) and isinstance(_num(fa.value), float)
                          and _num(fb.value) != _num(fa.value))
        if fb.answer != fa.answer or numbers_differ:
            out.append(FactChange(question=fa.question, kind="fact", before=sb, after=sa))
        elif fb.verdict != fa.verdict:
            out.append(FactChange(question=fa.question, kind="verdict", before=sb, after=sa))
        elif sb.fingerprints != sa.fingerprints:
            out.append(FactChange(question=fa.question, kind="evidence", before=sb, after=sa))
    out += [FactChange(question=q, kind="fact", before=_state(f)) for q, f in b.items()]
    return out


def _tag_clauses(clauses: list[ClauseChange], before: tuple[Finding, ...], after: tuple[Finding, ...]
                 ) -> list[ClauseChange]:
    """Name, on each changed clause, the questions whose evidence it held (before) or holds (after)."""
    def quotes(findings):
        return [(f.question, normalise(e.quote)) for f in findings for e in f.evidence if normalise(e.quote)]

    qb, qa = quotes(before), quotes(after)
    out = []
    for c in clauses:
        tags: list[str] = []
        for ref, qs in ((c.before, qb), (c.after, qa)):
            if ref is None:
                continue
            text = normalise(ref.text)
            for q, quote in qs:
                if quote in text and q not in tags:
                    tags.append(q)
        out.append(c.model_copy(update={"questions": tuple(tags)}) if tags else c)
    return out


# --------------------------------------------------------------------------- documents and runs

def compare_documents(key: str, before: Optional[tuple[DocumentResult, Optional[DocumentFacts]]],
                      after: Optional[tuple[DocumentResult, Optional[DocumentFacts]]]) -> DocumentChange:
    """One document's change; `before`/`after` are (result, facts) or None when the document is absent."""
    if after is None:
        dr, _ = before
        return DocumentChange(source=dr.source, key=key, status="removed", sha_before=dr.sha256 or None)
    ra, fa = after
    if ra.status == "error":
        return DocumentChange(source=ra.source, key=key, status="error", error=ra.error,
                              sha_before=before[0].sha256 if before else None)
    if before is None or before[0].status == "error":  # new (or a first check): what it holds to act on
        current = tuple(FactChange(question=f.question, after=_state(f)) for f in ra.findings
                        if f.verdict in ATTENTION)
        return DocumentChange(source=ra.source, key=key, status="added", sha_after=ra.sha256 or None, facts=current)
    rb, fb = before
    clauses: list[ClauseChange] = []
    reflowed = 0
    if rb.sha256 != ra.sha256 and fb is not None and fa is not None:
        clauses, reflowed = align_clauses(fb.clauses, fa.clauses)
    facts = compare_findings(rb.findings, ra.findings)
    clauses = _tag_clauses(clauses, rb.findings, ra.findings)
    status = "changed" if clauses or any(f.kind == "fact" for f in facts) else "unchanged"
    return DocumentChange(source=ra.source, key=key, status=status, sha_before=rb.sha256 or None,
                          sha_after=ra.sha256 or None, reflowed=reflowed, clauses=tuple(clauses), facts=tuple(facts))


def build_report(vendor: Optional[str], before_ref: Optional[RunRef], after_ref: RunRef,
                 pairs: list[tuple[str, Optional[tuple], Optional[tuple]]]) -> ChangeReport:
    """`pairs`: (key, before, after) per document, each side (DocumentResult, DocumentFacts | None) or None."""
    docs = tuple(compare_documents(k, b, a) for k, b, a in pairs if b is not None or a is not None)
    return ChangeReport(vendor=vendor, before=before_ref, after=after_ref, documents=docs,
                        created=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def diff_results(before: RunResult, after: RunResult, *, before_facts: Optional[dict] = None,
                 after_facts: Optional[dict] = None, before_id: Optional[int] = None,
                 after_id: Optional[int] = None, keys: Optional[dict] = None) -> ChangeReport:
    """Compare two results document by document (matched by `keys[source]`, default the source itself)."""
    keys = keys or {}
    before_facts, after_facts = before_facts or {}, after_facts or {}
    b = {keys.get(d.source, d.source): (d, before_facts.get(d.source)) for d in before.documents}
    a = {keys.get(d.source, d.source): (d, after_facts.get(d.source)) for d in after.documents}
    order = list(a) + [k for k in b if k not in a]
    return build_report(after.vendor or before.vendor,
                        RunRef(id=before_id, created=before.created,
                               policy=f"{before.policy.name} {before.policy.version}"),
                        RunRef(id=after_id, created=after.created, policy=f"{after.policy.name} {after.policy.version}"),
                        [(k, b.get(k), a.get(k)) for k in order])
