"""Sentence annotations of documents, stored as offsets: no document text enters the repository.

An annotation file (`annotations/corpus/<vendor>__<doc>__<date>.yaml`) names a document by its SHA-256 and
lists every sentence unit termsgap reads in it (sentences, list items, table rows) by character span in the
document's extracted text (`Document.text`, what `termsgap extract` prints) with a short hash of the unit's
normalised text, and the labels the unit carries: `question=answer`, or none.

```yaml
schema_version: 1
document: openai/services-agreement/2026-08-22.md   # where the text lives (relative to a corpus folder)
sha256: 9f2c...                                     # of the file's bytes
units:                                              # [start, end, text hash, [labels]]
  - [0, 57, 3fa4c1d2, []]
  - [310, 498, 77b01e9a, [training.customer-content=opt-in]]
```
The hash lets a reader check that the span still covers the same words when extraction changes; a unit whose
span moved is found again by its hash.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..models import Sentence

SCHEMA_VERSION = 1


def text_hash(text: str) -> str:
    norm = re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
    return hashlib.sha1(norm.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Unit:
    start: int
    end: int
    hash: str
    labels: tuple[str, ...]  # "question=answer"


@dataclass(frozen=True)
class Annotation:
    document: str
    sha256: str
    units: tuple[Unit, ...]

    def labels_for(self, sentences: list[Sentence]) -> list[tuple[str, ...] | None]:
        """Each sentence's labels, matched by span (then by text hash, then as the union of the annotated units
        inside its span); None for a sentence not annotated."""
        by_span = {(u.start, u.end): u for u in self.units}
        by_hash: dict[str, Unit] = {}
        for u in self.units:
            by_hash.setdefault(u.hash, u)
        out = []
        for s in sentences:
            u = by_span.get((s.location.start, s.location.end))
            if u is None or u.hash != text_hash(s.text):
                u = by_hash.get(text_hash(s.text))
            if u is None:  # a sentence now read whole that was annotated in pieces carries all their labels
                inside = [v for v in self.units if s.location.start <= v.start and v.end <= s.location.end]
                out.append(tuple(dict.fromkeys(x for v in inside for x in v.labels)) if inside else None)
                continue
            out.append(u.labels)
        return out


def load_annotation(path: Path) -> Annotation:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or raw.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{path}: not an annotation file of schema_version {SCHEMA_VERSION}")
    units = tuple(Unit(int(a), int(b), str(h), tuple(str(x) for x in labels)) for a, b, h, labels in raw["units"])
    return Annotation(document=raw["document"], sha256=raw["sha256"], units=units)


def dump_annotation(a: Annotation) -> str:
    lines = [f"schema_version: {SCHEMA_VERSION}", f"document: {a.document}", f"sha256: {a.sha256}",
             "units:  # [start, end, text hash, [question=answer, ...]] over Document.text"]
    for u in a.units:
        lines.append(f"  - [{u.start}, {u.end}, '{u.hash}', [{', '.join(u.labels)}]]")
    return "\n".join(lines) + "\n"
