"""The one orchestrator: files -> DocumentFacts (extract, segment, annotate, detect) -> RunResult (judge, then
group by vendor).

Reading a document never depends on the policy; judging never re-reads a document. A file that cannot be read
becomes a DocumentFacts with status "error" and a one-line reason; the other files are still checked.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional

from . import __version__
from .extract import InputError, load
from .extract.segment import segment
from .facts import Checklist, detect
from .facts.detect import detect_sentences
from .learn.model import ReaderModel, load_model
from .models import (AnnotatedDocument, Clause, Document, DocumentFacts, DocumentResult, Fact, PolicyInfo,
                     RunResult, ToolInfo, Waiver)
from .nlp import annotate
from .nlp.pipeline import find_definitions, read_sentences
from .policy import Policy, judge
from .policy.waivers import apply_waivers
from .vendors import group as group_vendors


def read(path: str | Path, checklist: Checklist, *, ocr: bool = False) -> AnnotatedDocument:
    """Extract, segment and annotate one document (raises InputError for bad input)."""
    document = load(path, ocr=ocr)
    return annotate(document, segment(document), checklist.concept_patterns)


def facts_of(annotated: AnnotatedDocument, checklist: Checklist, reader: Optional[ReaderModel]) -> DocumentFacts:
    """Answer every question of the checklist for a document already read."""
    return _document_facts(annotated.document, annotated.clauses, detect(annotated, checklist, reader))


def _document_facts(document: Document, clauses: tuple[Clause, ...], facts: tuple[Fact, ...]) -> DocumentFacts:
    return DocumentFacts(source=document.source, sha256=document.sha256, format=document.format,
                         pages=document.pages, warnings=document.warnings, clauses=clauses, facts=facts)


def failed(path: str | Path, exc: Exception) -> DocumentFacts:
    if isinstance(exc, InputError):
        return DocumentFacts(source=str(path), status="error", error=exc.reason)
    reason = f"internal error while checking ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
    return DocumentFacts(source=str(path), status="error", error=reason)


def analyse(path: str | Path, checklist: Checklist, *, ocr: bool = False,
            reader: Optional[ReaderModel] = None) -> DocumentFacts:
    """Read one document and answer every question of the checklist (with the shipped learned reader unless
    another is given); never raises for bad input. Sentences are read and answered one clause at a time, so a
    long document does not hold all of them (the same facts as facts_of(read(...)))."""
    try:
        document = load(path, ocr=ocr)
        clauses = segment(document)
        sentences = read_sentences(clauses, find_definitions(clauses, checklist.concept_patterns))
        return _document_facts(document, clauses, detect_sentences(sentences, checklist, reader or load_model()))
    except Exception as exc:  # a bug must not cost the user the other documents
        return failed(path, exc)


def _analyse_job(args: tuple[str, Checklist, bool, Optional[str]]) -> DocumentFacts:
    path, checklist, ocr, model = args
    return analyse(path, checklist, ocr=ocr, reader=load_model(model))


def worker_count(jobs: int | str, documents: int) -> int:
    """Processes for `documents` files: a number as given, or "auto": the machine's cores (os.cpu_count()), no
    more than one per document."""
    if jobs == "auto":
        return max(1, min(os.cpu_count() or 1, documents))
    return int(jobs)


def analyse_all(paths: Iterable[str | Path], checklist: Checklist, *, jobs: int | str = 1, ocr: bool = False,
                model: Optional[str] = None,
                progress: Optional[Callable[[DocumentFacts], None]] = None) -> list[DocumentFacts]:
    """Analyse files in order with the learned reader in `model` (a directory; None: the shipped one); with
    jobs > 1 (or "auto", see worker_count) in parallel processes (same results, same order)."""
    paths = [str(p) for p in paths]
    jobs = worker_count(jobs, len(paths))
    out: list[DocumentFacts] = []
    if jobs > 1 and len(paths) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for df in pool.map(_analyse_job, [(p, checklist, ocr, model) for p in paths]):
                out.append(df)
                if progress:
                    progress(df)
    else:
        reader = load_model(model)
        for p in paths:
            df = analyse(p, checklist, ocr=ocr, reader=reader)
            out.append(df)
            if progress:
                progress(df)
    return out


def judge_document(df: DocumentFacts, policy: Policy, checklist: Checklist) -> DocumentResult:
    if df.status == "error":
        return DocumentResult(source=df.source, status="error", error=df.error)
    return DocumentResult(source=df.source, sha256=df.sha256, pages=df.pages, warnings=df.warnings,
                          findings=judge(df.facts, policy, checklist))


def judge_all(documents: Iterable[DocumentFacts], policy: Policy, *, vendor: Optional[str] = None,
              checklist: Optional[Checklist] = None, waivers: Iterable[Waiver] = (),
              today: date | str | None = None, named: Mapping[str, str] = {},
              folders: Mapping[str, str] = {}) -> RunResult:
    """Facts -> verdicts under `policy`, then the waivers that still apply (only they set `waived`), then the
    documents grouped by vendor with one finding per question each (see `vendors`)."""
    checklist = checklist or policy.load_checklist()
    documents = list(documents)
    result = RunResult(tool=ToolInfo(version=__version__),
                       policy=PolicyInfo(name=policy.name, version=policy.version), vendor=vendor,
                       documents=tuple(judge_document(d, policy, checklist) for d in documents))
    result = apply_waivers(result, waivers, today)
    described, by_vendor = group_vendors(result.documents, documents, named=named, vendor=vendor, folders=folders)
    return result.model_copy(update={"documents": described, "vendors": by_vendor})


def check(paths: Iterable[str | Path], policy: Policy, *, vendor: Optional[str] = None, jobs: int | str = 1,
          ocr: bool = False, model: Optional[str] = None, waivers: Iterable[Waiver] = (),
          today: date | str | None = None, named: Mapping[str, str] = {}, folders: Mapping[str, str] = {},
          progress: Optional[Callable[[DocumentFacts], None]] = None) -> tuple[list[DocumentFacts], RunResult]:
    """The whole path for local files: what each document says (kept for history) and the judged result."""
    checklist = policy.load_checklist()
    facts = analyse_all(paths, checklist, jobs=jobs, ocr=ocr, model=model, progress=progress)
    return facts, judge_all(facts, policy, vendor=vendor, checklist=checklist, waivers=waivers, today=today,
                            named=named, folders=folders)


def scan(paths: Iterable[str | Path], policy: Policy, *, vendor: Optional[str] = None, jobs: int | str = 1,
         ocr: bool = False, model: Optional[str] = None,
         progress: Optional[Callable[[DocumentFacts], None]] = None) -> RunResult:
    return check(paths, policy, vendor=vendor, jobs=jobs, ocr=ocr, model=model, progress=progress)[1]
