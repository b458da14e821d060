"""Where the corpus lives, and the sentence units the engine reads in one of its documents (what annotations
label, by span)."""
from __future__ import annotations

from pathlib import Path

from ..models import Document, Sentence
from ..policy import DEFAULT_POLICY, load_policy

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT.parent / "shared" / "corpus"


def corpus_key(path: Path) -> str:
    """text/<vendor>/<doc>/<date>.md -> <vendor>__<doc>__<date> (the corpus's rendering names)."""
    p = Path(path)
    return "__".join(p.parts[-3:-1] + (p.stem,))


def read_units(path: Path, checklist=None) -> tuple[Document, list[Sentence]]:
    """The sentence units the engine reads in a document, in order."""
    from ..engine import read

    annotated = read(path, checklist or load_policy(DEFAULT_POLICY).load_checklist())
    return annotated.document, list(annotated.sentences)
