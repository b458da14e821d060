"""Build a learned reader from labelled documents, as `termsgap train` does: read the documents, take their
sentence annotations (or, for a document without any, the sentences its gold evidence quotes), add our own
passages, fit, and calibrate confidence on leave-one-vendor-out answers when there are vendors enough."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Optional

from .. import engine
from ..evaluate import document_key, load_gold
from ..facts import Checklist
from ..models import AnnotatedDocument
from . import crossval, train
from .annotations import load_annotation
from .model import ReaderModel

#: calibration needs held-out answers of at least this many vendors
MIN_VENDORS = 3


def build_model(gold_dir: Path, docs: Iterable[Path], checklist: Checklist, *, annotations: Optional[Path] = None,
                passages: Iterable[Path] = (), name: str = "termsgap",
                say: Callable[[str], None] = lambda _: None) -> tuple[ReaderModel, dict]:
    gold = load_gold(gold_dir)
    passages = list(passages)
    anns = {}
    for f in sorted(Path(annotations).glob("*.yaml")) if annotations else ():
        a = load_annotation(f)
        anns[a.sha256] = a
    examples, documents = [], {}
    for path in docs:
        key = document_key(str(path), set(gold))
        annotated: AnnotatedDocument = engine.read(path, checklist)
        sentences = list(annotated.sentences)
        vendor = crossval.vendor_of(key)
        ann = anns.get(annotated.document.sha256)
        if ann is not None:
            examples += train.examples_of(sentences, ann, vendor, checklist)
        elif key in gold:
            examples += train.gold_examples_of(sentences, gold[key], vendor, checklist)
        else:
            say(f"{path}: no gold labels and no annotations; left out")
            continue
        if key in gold:
            documents[key] = annotated
    examples += train.passage_examples(passages, checklist)
    say(f"{len(examples)} examples ({sum(bool(e.labels) for e in examples)} labelled) from {len(documents)} "
        f"documents and {len(passages)} passage folders")
    model, arrays = train.fit(examples, checklist, name=name)
    vendors = {crossval.vendor_of(k) for k in documents}
    if len(vendors) >= MIN_VENDORS:
        raw = crossval.leave_one_vendor_out(documents, examples, checklist,
                                            progress=lambda v: say(f"calibration fold {v} done"))
        model.meta["calibration"] = crossval.fit_calibration(crossval.calibration_rows(raw, gold),
                                                             train.CALIBRATION)
    else:
        say(f"{len(vendors)} vendors: confidence keeps its default map (calibration needs {MIN_VENDORS})")
    return model, arrays
