"""Where training data comes from: the annotated corpus documents and our own passages (policies/cases, the
hold-out sets). Each example is a sentence as the engine reads it, with its labels."""
from __future__ import annotations

from pathlib import Path

from ..extract import load
from ..extract.segment import segment
from ..models import Document, Sentence
from ..nlp import annotate
from ..policy import DEFAULT_POLICY, load_policy

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT.parent / "shared" / "corpus"


def corpus_key(path: Path) -> str:
    """text/<vendor>/<doc>/<date>.md -> <vendor>__<doc>__<date> (the corpus's rendering names)."""
    p = Path(path)
    return "__".join(p.parts[-3:-1] + (p.stem,))


def read_units(path: Path, checklist=None) -> tuple[Document, list[Sentence]]:
    """The sentence units the engine reads in a document, in order."""
    checklist = checklist or load_policy(DEFAULT_POLICY).load_checklist()
    document = load(path)
    clauses = segment(document)
    return document, list(annotate(document, clauses, checklist.concept_patterns).sentences)
