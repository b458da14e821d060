"""Vendors, not files: judged documents grouped by vendor, versions of one document recognised (the newest is
judged, the older listed), and one answer per question per vendor from its documents together.

Which vendor a document belongs to, first that applies:
  1. `--vendors FILE` (vendors.yaml: `Vendor name: [glob, ...]`), 2. `--vendor NAME` for every document,
  3. the sub-folder of a scanned folder it sits in (a folder per vendor),
  4. the file name `vendor__document__YYYY-MM-DD.ext`, 5. the name before the document type in its title
  ('Acme Ltd — Data Processing Addendum'), 6. the file's own name.
Which document is which: the middle part of that file-name pattern, else the document's title. Which version is
newest: the date in the file name, else the date the text says it takes effect.

Precedence, per question, among the newest documents that answer it: a document's own order-of-precedence clause
("if this Addendum conflicts with the Agreement, this Addendum prevails") first; then, for personal data (every
question but the contract ones) a DPA over product- or service-specific terms over general terms over a privacy
page, and for the contract questions the specific terms over the general over the DPA. Where the documents
disagree, the finding keeps the other readings and says which won and why.
"""
from __future__ import annotations

import fnmatch
import re
from pathlib import Path, PurePath
from typing import Iterable, Mapping, Optional

from .models import (DocumentFacts, DocumentReading, DocumentResult, Finding, RunResult, VendorDocument,
                     VendorFinding, VendorResult)

#: document kinds, tried in order on the title (then the file name)
KINDS: tuple[tuple[str, re.Pattern], ...] = tuple((k, re.compile(p, re.I)) for k, p in (
    ("dpa", r"data[- ]processing|\bdpa\b|data[- ]protection (?:addendum|agreement|terms)"),
    ("specific", r"service[- ]terms|product[- ]terms|service[- ]specific|\bai\b|addendum|supplement|enterprise|"
                 r"business|api|developer|model"),
    ("general", r"terms|agreement|conditions|contract"),
    ("privacy", r"privacy|data[, ]+privacy|security"),
))
KIND_NAMES = {"dpa": "data processing agreement", "specific": "specific terms", "general": "general terms",
              "privacy": "privacy page", "other": "other document"}
DATA_ORDER = ("dpa", "specific", "general", "privacy", "other")
CONTRACT_ORDER = ("specific", "general", "dpa", "privacy", "other")
FILE_NAME = re.compile(r"^(?P<vendor>[^_]+(?:_[^_]+)*?)__(?P<doc>.+?)(?:__(?P<date>\d{4}-\d{2}-\d{2}))?$")
TITLE_VENDOR = re.compile(r"^(?P<vendor>(?:\S+\s+){0,2}?\S+?)\s+(?:data processing|terms|services? (?:terms|agreement)|"
                          r"privacy|enterprise|business|developer|api|product|customer|master|subscription)\b", re.I)
DATE_IN_NAME = re.compile(r"(?:19|20)\d\d-[01]\d-[0-3]\d")
PRECEDENCE = re.compile(
    r"\b(?:conflict|inconsisten\w*|discrepanc\w*)\b.{0,300}?\b(?P<who>th(?:is|ese|e)\s+[\w\s-]{2,60}?)\s+"
    r"(?:shall|will|does|do)?\s*(?:prevail|control|govern|take\s+precedence)", re.I | re.S)


def kind_of(*names: str) -> str:
    for name in names:
        for kind, rx in KINDS:
            if name and rx.search(name.replace("-", " ")):
                return kind
    return "other"


def _pretty(slug: str) -> str:
    words = re.split(r"[-_ ]+", slug.strip())
    return " ".join(w if any(c.isupper() for c in w) else w.capitalize() for w in words if w)


def _title(title: str) -> str:
    return " ".join(w.capitalize() if len(w) > 3 or w.lower() not in ("and", "of", "for", "the", "to") else w.lower()
                    for w in title.split()) if title.isupper() else title


def _spelling(name: str, docs: list[DocumentResult]) -> str:
    """The vendor's name as its own documents spell it ('OpenAI', not 'Openai'), where a title has it."""
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    seen = [w for d in docs for w in re.findall(r"[\w&.-]+", d.title)
            if re.sub(r"[^a-z0-9]", "", w.lower()) == key and not (w.isupper() and len(w) > 4)]
    return max(seen, key=lambda w: sum(c.isupper() for c in w), default=name)


def vendor_of(source: str, *, named: Mapping[str, str], vendor: Optional[str], folders: Mapping[str, str],
              title: str = "") -> str:
    for pattern, name in named.items():
        if fnmatch.fnmatch(source, pattern) or fnmatch.fnmatch(PurePath(source).name, pattern):
            return name
    if vendor:
        return vendor
    if source in folders:
        return folders[source]
    m = FILE_NAME.match(PurePath(source).stem)
    if m:
        return _pretty(m.group("vendor"))
    return vendor_in_title(title) or _pretty(PurePath(source).stem)


def vendor_in_title(title: str) -> str:
    """'Acme Cognition Ltd — Enterprise Data Processing Addendum' -> 'Acme Cognition Ltd';
    'OpenAI Services Agreement' -> 'OpenAI'; '' when the title names no vendor before the document type."""
    parts = re.split(r"\s+[—–-]\s+|:\s+", title, maxsplit=1)
    if len(parts) == 2 and kind_of(parts[1]) != "other" and 0 < len(parts[0].split()) <= 5:
        return parts[0].strip()
    m = TITLE_VENDOR.match(title)
    return m.group("vendor") if m and m.group("vendor")[0].isupper() else ""


def folder_vendors(inputs: Iterable[str], paths: Iterable[str]) -> dict[str, str]:
    """For each path found inside a sub-folder of a scanned folder, that sub-folder's name."""
    out = {}
    folders = [Path(i) for i in inputs if Path(i).is_dir()]
    for p in paths:
        for folder in folders:
            try:
                rel = Path(p).relative_to(folder)
            except ValueError:
                continue
            if len(rel.parts) > 1:
                out[p] = rel.parts[0]
    return out


def describe(result: DocumentResult, facts: DocumentFacts, *, named: Mapping[str, str], vendor: Optional[str],
             folders: Mapping[str, str]) -> DocumentResult:
    """The document with its vendor, its name (what its versions share), kind and version date."""
    from .facts.about import effective_date, title_of

    stem = PurePath(result.source).stem
    m = FILE_NAME.match(stem)
    title = _title(title_of(facts.clauses)) if facts.clauses else result.title  # without the text: as described
    effective = effective_date(facts.clauses) if facts.clauses else result.effective
    name = _pretty(m.group("doc")) if m else (title or DATE_IN_NAME.sub("", stem).strip(" _-") or stem)
    in_name = DATE_IN_NAME.search(stem)
    return result.model_copy(update={
        "vendor": vendor_of(result.source, named=named, vendor=vendor, folders=folders, title=title),
        "name": name, "title": title, "effective": effective,
        "version": in_name.group(0) if in_name else effective,
        "kind": kind_of(m.group("doc") if m else "", title, stem),
    })


def _precedence_clause(d: DocumentResult, facts: DocumentFacts) -> Optional[tuple[str, str]]:
    """(kind that prevails, quote) from the document's own order-of-precedence clause."""
    for clause in facts.clauses:
        m = PRECEDENCE.search(clause.text)
        if not m:
            continue
        who = m.group("who")
        kind = d.kind if re.match(r"th(?:is|ese)\b", who, re.I) else kind_of(who)  # "this Addendum": itself
        if kind != "other":
            where = f" (clause {clause.location.clause})" if clause.location.clause else ""
            return kind, f"{d.name}{where}: “{' '.join(m.group(0).split())[:300]}”"
    return None


def _order(question: str, stated: Optional[tuple[str, str]]) -> tuple[str, ...]:
    base = CONTRACT_ORDER if question.startswith("contract.") else DATA_ORDER
    if stated and not question.startswith("contract."):
        return (stated[0],) + tuple(k for k in base if k != stated[0])
    return base


def _reading(d: DocumentResult, f: Finding) -> DocumentReading:
    return DocumentReading(source=d.source, document=d.name, answer=f.answer, value=f.value, verdict=f.verdict,
                           evidence=f.evidence[:1])


def decide(question: str, judged: list[DocumentResult], stated: Optional[tuple[str, str]]) -> VendorFinding:
    """One finding for the vendor: the highest-precedence document that answers the question."""
    order = _order(question, stated)
    rows = [(d, f) for d in judged for f in d.findings if f.question == question]
    answered = [(d, f) for d, f in rows if f.answer != "not-addressed"]
    pool = answered or rows
    pool.sort(key=lambda r: (order.index(r[0].kind) if r[0].kind in order else len(order), -r[1].confidence))
    d, f = pool[0]
    others = tuple(_reading(od, of) for od, of in answered if od is not d
                   and (of.answer, of.value) != (f.answer, f.value))
    if not answered:
        reason = "no document of this vendor addresses it"
    elif len({id(od) for od, _ in answered}) == 1:
        reason = f"only the {d.name} addresses it"
    elif stated and d.kind == stated[0] and not question.startswith("contract."):
        reason = f"the order-of-precedence clause: {stated[1]}"
    else:
        reason = (f"the {KIND_NAMES[d.kind]} ({d.name}) comes first for "
                  + ("the contract" if question.startswith("contract.") else "personal data"))
    if others:
        reason += "; other readings: " + "; ".join(f"{o.document}: {o.answer}" for o in others)
    return VendorFinding(question=question, source=d.source, document=d.name, finding=f, reason=reason,
                         others=others)


def group(documents: Iterable[DocumentResult], facts: Iterable[DocumentFacts], *,
          named: Mapping[str, str] = {}, vendor: Optional[str] = None,
          folders: Mapping[str, str] = {}) -> tuple[tuple[DocumentResult, ...], tuple[VendorResult, ...]]:
    """The documents described (vendor, name, kind, version) and the vendors they make up, in input order."""
    facts_by_source = {f.source: f for f in facts}
    described = [describe(d, facts_by_source.get(d.source, DocumentFacts(source=d.source)), named=named,
                          vendor=vendor, folders=folders) for d in documents]
    vendors: dict[str, list[DocumentResult]] = {}
    for d in described:
        vendors.setdefault(d.vendor, []).append(d)
    out = []
    for name, docs in vendors.items():
        newest: dict[str, DocumentResult] = {}
        for d in docs:
            if d.status != "ok":
                continue
            best = newest.get(d.name)
            if best is None or (d.version or "") >= (best.version or ""):
                newest[d.name] = d
        judged = list(newest.values())
        judged_ids = {id(d) for d in judged}
        listed = tuple(VendorDocument(source=d.source, document=d.name, title=d.title, kind=d.kind,
                                      effective=d.effective, version=d.version, status=d.status,
                                      judged=id(d) in judged_ids,
                                      superseded_by=None if id(d) in judged_ids or d.status != "ok"
                                      else newest[d.name].source) for d in docs)
        # a document's own order of precedence counts where it ranks documents of this vendor that were scanned
        kinds = {d.kind for d in judged}
        stated = next((s for d in judged if d.source in facts_by_source and len(judged) > 1
                       for s in [_precedence_clause(d, facts_by_source[d.source])] if s and s[0] in kinds), None)
        questions = list(dict.fromkeys(f.question for d in judged for f in d.findings))
        findings = tuple(decide(q, judged, stated) for q in questions)
        out.append(VendorResult(name=_spelling(name, docs), documents=listed, findings=findings,
                                precedence=stated[1] if stated else ""))
    return tuple(described), tuple(out)


def complete(result: RunResult) -> RunResult:
    """A result with its vendor view: as it is when it has one; else (a result built by hand, or read from a report
    or history run of schema < 1.3) grouped from its documents' file names alone, without their text."""
    if result.vendors or not result.documents:
        return result
    described, vendors = group(result.documents, (), vendor=result.vendor)
    return result.model_copy(update={"documents": described, "vendors": vendors})
