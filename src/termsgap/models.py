"""Frozen types shared by every stage.

Data flows one way: extract -> segment -> nlp -> facts -> policy (judge) -> report, with history beside it.
Every stage takes these models and returns new ones; nothing edits its input.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from enum import Enum
from typing import Iterable, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

SCHEMA_VERSION = "1.3"  # 1.1: findings gain `candidates`; 1.2: runs gain `skipped`; 1.3: `vendors`, documents gain vendor, name, title, effective, version, kind, findings gain `plain`


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Summarised(Frozen):
    """A model with computed `counts`: they are written out, and ignored when a JSON report is read back."""

    @model_validator(mode="before")
    @classmethod
    def _computed_are_not_input(cls, data):
        if isinstance(data, dict) and "counts" in data:
            data = {k: v for k, v in data.items() if k != "counts"}
        return data


# --------------------------------------------------------------------------- extraction

BlockKind = Literal["heading", "paragraph", "list_item", "table_row"]


class Block(Frozen):
    """One unit of text in reading order, as a format extractor found it."""

    text: str
    kind: BlockKind = "paragraph"
    page: Optional[int] = Field(None, description="1-based page number (PDF, DOCX page breaks); None for flowing text")
    line: Optional[int] = Field(None, description="1-based source line (text, Markdown)")
    level: int = Field(0, description="heading level (1 = top) for headings; nesting depth for list items")
    bbox: Optional[tuple[float, float, float, float]] = Field(None, description="x0, top, x1, bottom in PDF points")
    cells: tuple[str, ...] = Field((), description="table cells, for kind == table_row")


class Document(Frozen):
    """What an extractor read from one file: blocks in reading order, running headers and footers removed."""

    source: str = Field(description="the path as given by the user")
    sha256: str
    format: Literal["pdf", "docx", "html", "markdown", "text"]
    pages: int = Field(1, description="page count (1 for flowing formats)")
    blocks: tuple[Block, ...]
    warnings: tuple[str, ...] = Field((), description="non-fatal problems, e.g. image-only pages")

    @property
    def text(self) -> str:
        """Plain reading-order text: what `termsgap extract --format text` prints."""
        return "\n\n".join(b.text for b in self.blocks)


# --------------------------------------------------------------------------- segmentation

class Location(Frozen):
    """Where a unit sits in its source document."""

    sha256: str
    page: Optional[int] = None
    line: Optional[int] = None
    section: tuple[str, ...] = Field((), description="heading path, outermost first")
    clause: Optional[str] = Field(None, description="clause number as printed, e.g. '4.2', 'B.', '(a)'")
    start: int = Field(0, description="character offset of the unit in Document.text")
    end: int = 0
    bbox: Optional[tuple[float, float, float, float]] = None


class Clause(Frozen):
    """A numbered or unnumbered paragraph, list item or table row, with its provenance."""

    index: int
    text: str
    kind: BlockKind = "paragraph"
    location: Location
    lead_in: Optional[str] = Field(None, description="the sentence that introduces a list item ('Your prompts ...:')")
    cells: tuple[str, ...] = ()


class Sentence(Frozen):
    """One sentence of a clause, annotated by the NLP stage."""

    text: str
    clause_index: int
    location: Location
    lemmas: str = Field("", description="lower-case lemma string, tokens separated by single spaces")
    headings: str = Field("", description="lemmas of the heading path the sentence is under")
    context: str = Field("", description="lemmas of the whole clause the sentence is in")
    negated: bool = False
    exceptions: tuple[str, ...] = Field((), description="'unless ...', 'except ...' phrases")
    lead_in: str = Field("", description="the lead-in a list item reads under ('Within 30 days X will:')")
    durations: tuple["Duration", ...] = Field((), description="periods stated in the lead-in and the sentence")
    terms: tuple[str, ...] = Field((), description="canonical defined-term concepts the sentence refers to")
    definition: bool = Field(False, description="the sentence defines a term ('“X” means ...'): it commits to nothing")


class Duration(Frozen):
    value: float
    unit: Literal["hours", "days", "business-days", "months", "years"]
    text: str
    qualifier: Literal["max", "min", "exact"] = "exact"

    @property
    def days(self) -> float:
        return {"hours": self.value / 24, "days": self.value, "business-days": self.value,
                "months": self.value * 30, "years": self.value * 365}[self.unit]

    @property
    def hours(self) -> float:
        return self.days * 24 if self.unit != "hours" else self.value


class AnnotatedDocument(Frozen):
    document: Document
    clauses: tuple[Clause, ...]
    sentences: tuple[Sentence, ...]
    definitions: dict[str, tuple[str, ...]] = Field(default_factory=dict,
                                                    description="defined term -> concepts it covers")


# --------------------------------------------------------------------------- facts

class Evidence(Frozen):
    quote: str = Field(description="verbatim sentence of the source")
    page: Optional[int] = None
    line: Optional[int] = None
    section: str = Field("", description="heading path joined with ' > '")
    clause: Optional[str] = None
    start: int = 0
    end: int = 0

    @property
    def fingerprint(self) -> str:
        import hashlib
        import re
        norm = re.sub(r"[^a-z0-9]+", " ", self.quote.lower()).strip()
        return hashlib.sha256(norm.encode()).hexdigest()[:16]


class ScopedAnswer(Frozen):
    answer: str
    value: Optional[float | str] = None
    scope: str = Field(description="the tier, service or condition this answer applies to")
    evidence: tuple[Evidence, ...] = ()


class Basis(Frozen):
    """What an answer's confidence rests on: who answered and how far the learned reader backs it."""

    kind: Literal["rule", "model", "none"] = Field(description="a rule answered (the model weighed it), the model "
                                                             "alone, or nothing answered (not-addressed)")
    relevance: float = Field(description="the model's P(the evidence speaks to the question), best sentence")
    agreement: float = Field(description="the model's P(this answer | the evidence speaks to the question)")
    rule: float = Field(0.0, description="the rule's own confidence (0 for the model's answers)")
    rivals: int = Field(0, description="other answers that sentences of the same scope gave")


class Fact(Frozen):
    """The typed answer to one checklist question, independent of any organisation's preferences."""

    question: str
    answer: str = "not-addressed"
    value: Optional[float | str] = None
    confidence: float = 1.0
    evidence: tuple[Evidence, ...] = ()
    scoped: tuple[ScopedAnswer, ...] = Field((), description="other answers the document gives for other scopes")
    rationale: str = ""
    basis: Optional[Basis] = None
    candidates: tuple[Evidence, ...] = Field((), description="not-addressed: the sentences that came closest, "
                                                            "for a reviewer (not evidence)")


class DocumentFacts(Frozen):
    """Everything read from one document, before any policy: the unit history stores and re-judges."""

    source: str
    sha256: str = ""
    format: str = ""
    pages: int = 0
    status: Literal["ok", "error"] = "ok"
    error: Optional[str] = None
    warnings: tuple[str, ...] = ()
    clauses: tuple[Clause, ...] = ()
    facts: tuple[Fact, ...] = ()


# --------------------------------------------------------------------------- judgement

class Verdict(str, Enum):
    COMPLIANT = "compliant"
    PARTIAL = "partial"
    GAP = "gap"
    NOT_ADDRESSED = "not-addressed"
    REVIEW = "review"
    WAIVED = "waived"


VERDICT_ORDER = [Verdict.GAP, Verdict.REVIEW, Verdict.PARTIAL, Verdict.NOT_ADDRESSED, Verdict.WAIVED,
                 Verdict.COMPLIANT]

#: `scan --fail-on`: the verdicts that fail a run (exit code 1)
FAIL_ON: dict[str, tuple[Verdict, ...]] = {
    "gap": (Verdict.GAP,),
    "review": (Verdict.GAP, Verdict.REVIEW),
    "partial": (Verdict.GAP, Verdict.REVIEW, Verdict.PARTIAL),
    "never": (),
}


class Waiver(Frozen):
    question: str
    vendor: str
    reason: str
    approver: str
    expires: str
    fingerprints: tuple[str, ...] = ()


class Finding(Frozen):
    question: str
    title: str = ""
    answer: str
    plain: str = Field("", description="the answer in plain words (schema 1.3)")
    verdict_scope: str = Field("", description="the tier or service whose answer decided the verdict ('' for the "
                                               "main answer; schema 1.3)")
    value: Optional[float | str] = None
    verdict: Verdict
    confidence: float
    evidence: tuple[Evidence, ...] = ()
    scoped: tuple[ScopedAnswer, ...] = ()
    rationale: str = ""
    remediation: str = ""
    waiver: Optional[Waiver] = None
    waiver_note: str = Field("", description="why a waiver did or did not apply")
    candidates: tuple[Evidence, ...] = Field((), description="not-addressed: the sentences that came closest "
                                                            "(schema 1.1)")

    @property
    def deciding(self) -> Optional[ScopedAnswer]:
        """The scoped answer that decided the verdict, if one did (see `verdict_scope`)."""
        return next((s for s in self.scoped if s.scope == self.verdict_scope), None) if self.verdict_scope else None

    @property
    def fingerprint(self) -> str:
        """Stable across reflows: question + normalised evidence text, never page numbers."""
        return self.question + ":" + ",".join(sorted(e.fingerprint for e in self.evidence))


class DocumentResult(Summarised):
    source: str
    sha256: str = ""
    pages: int = 0
    vendor: str = Field("", description="the vendor the document belongs to (schema 1.3)")
    name: str = Field("", description="what the versions of one document share, e.g. 'Data Processing Addendum'")
    title: str = Field("", description="the title the document gives itself")
    effective: Optional[str] = Field(None, description="ISO date the text says its terms take effect, if stated")
    version: Optional[str] = Field(None, description="ISO date that orders versions: the file name's, else effective")
    kind: str = Field("", description="dpa, specific, general, privacy or other: decides precedence")
    status: Literal["ok", "error"] = "ok"
    error: Optional[str] = None
    warnings: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()

    @computed_field
    @property
    def counts(self) -> dict[str, int]:
        c = Counter(f.verdict.value for f in self.findings)
        return {v.value: c.get(v.value, 0) for v in Verdict}


class DocumentReading(Frozen):
    """One document's answer to a question, where the documents of a vendor disagree."""

    source: str
    document: str
    answer: str
    value: Optional[float | str] = None
    verdict: Verdict
    evidence: tuple[Evidence, ...] = ()


class VendorFinding(Frozen):
    """A vendor's answer to one question: the finding of the document that decides it, and why that one."""

    question: str
    source: str = Field(description="the document that decided the answer")
    document: str = Field(description="its name")
    finding: Finding
    reason: str = Field(description="why this document decides: precedence, or the only one that answers")
    others: tuple[DocumentReading, ...] = Field((), description="other documents' readings that differ")


class VendorDocument(Frozen):
    source: str
    document: str
    title: str = ""
    kind: str = ""
    effective: Optional[str] = None
    version: Optional[str] = None
    status: Literal["ok", "error"] = "ok"
    judged: bool = Field(description="the newest version of its document: its findings count")
    superseded_by: Optional[str] = Field(None, description="the newer version judged instead")


class VendorResult(Summarised):
    """One vendor: its documents (versions recognised) and one finding per question."""

    name: str
    documents: tuple[VendorDocument, ...]
    findings: tuple[VendorFinding, ...]
    precedence: str = Field("", description="the order-of-precedence clause the documents state, if any")

    @computed_field
    @property
    def counts(self) -> dict[str, int]:
        c = Counter(v.finding.verdict.value for v in self.findings)
        return {v.value: c.get(v.value, 0) for v in Verdict}


class ToolInfo(Frozen):
    name: str = "termsgap"
    version: str


class PolicyInfo(Frozen):
    name: str
    version: str


class RunResult(Summarised):
    """The canonical output of one scan; every report renders this."""

    schema_version: str = SCHEMA_VERSION
    tool: ToolInfo
    policy: PolicyInfo
    vendor: Optional[str] = None
    created: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    skipped: tuple[str, ...] = Field((), description="questions left out of this result (scan --check, "
                                                     "--skip-check): they have no findings here (schema 1.2)")
    documents: tuple[DocumentResult, ...]
    vendors: tuple[VendorResult, ...] = Field((), description="the documents by vendor, one finding per question "
                                                              "(schema 1.3)")

    def judged_findings(self) -> Iterable[Finding]:
        """The findings that count: one per vendor and question when vendors are known, else every document's."""
        if self.vendors:
            return (v.finding for vendor in self.vendors for v in vendor.findings)
        return (f for d in self.documents for f in d.findings)

    @computed_field
    @property
    def counts(self) -> dict[str, int]:
        c = Counter(f.verdict.value for f in self.judged_findings())
        return {v.value: c.get(v.value, 0) for v in Verdict}

    @property
    def has_gap(self) -> bool:
        return self.fails("gap")

    def fails(self, fail_on: str = "gap") -> bool:
        """A finding that counts has one of the verdicts that `fail_on` (a key of FAIL_ON) fails on."""
        wanted = FAIL_ON[fail_on]
        return any(f.verdict in wanted for f in self.judged_findings())

    def only(self, questions: Iterable[str]) -> "RunResult":
        """A view with the findings of `questions` only; the other questions found here are named in `skipped`."""
        keep = set(questions)
        dropped = dict.fromkeys(self.skipped)
        documents = []
        for d in self.documents:
            dropped.update(dict.fromkeys(f.question for f in d.findings if f.question not in keep))
            documents.append(d.model_copy(update={"findings": tuple(f for f in d.findings if f.question in keep)}))
        vendors = tuple(v.model_copy(update={"findings": tuple(f for f in v.findings if f.question in keep)})
                        for v in self.vendors)
        return self.model_copy(update={"documents": tuple(documents), "vendors": vendors, "skipped": tuple(dropped)})

    @property
    def has_error(self) -> bool:
        return any(d.status == "error" for d in self.documents)


Sentence.model_rebuild()
