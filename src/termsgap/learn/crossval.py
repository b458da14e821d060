"""Leave one vendor out: the model for a vendor's documents is trained without that vendor's documents and
annotations, the unit of generalisation being the vendor (GroupKFold's habit). Its results serve two ends: the
honest accuracy figure (benchmarks/accuracy.py) and the calibration of confidence (fit_calibration), which must
be learned from answers the model gives on vendors it has not seen."""
from __future__ import annotations

from typing import Callable, Iterable, Optional

import numpy as np

from ..evaluate import is_correct
from ..facts import Checklist, detect
from ..models import AnnotatedDocument, Fact
from .model import ReaderModel, calibration_features
from .train import Example, fit


def vendor_of(key: str) -> str:
    return key.split("__")[0]


def leave_one_vendor_out(documents: dict[str, AnnotatedDocument], examples: list[Example], checklist: Checklist,
                         *, progress: Optional[Callable[[str], None]] = None, **fit_args
                         ) -> dict[str, tuple[Fact, ...]]:
    """Facts for every document from a model that never saw its vendor, before calibration: every answer the
    model proposes is kept (min_proposal 0), so that calibration can be fitted on them and `ReaderModel.settle`
    applies it afterwards."""
    out = {}
    for vendor in sorted({vendor_of(k) for k in documents}):
        model, _ = fit([e for e in examples if e.group != vendor], checklist, **fit_args)
        model.meta["reading"]["min_proposal"] = 0.0
        for key, doc in documents.items():
            if vendor_of(key) == vendor:
                out[key] = detect(doc, checklist, model)
        if progress:
            progress(vendor)
    return out


def calibration_rows(facts: dict[str, tuple[Fact, ...]], gold: dict[str, dict]
                     ) -> list[tuple[str, str, str, list[float], bool]]:
    """(vendor, kind, question, features, right?) for every answered question with a basis."""
    rows = []
    for key, fs in facts.items():
        labels = gold.get(key, {})
        for f in fs:
            if f.basis is not None and f.question in labels:
                rows.append((vendor_of(key), f.basis.kind, f.question, calibration_features(f.basis),
                             is_correct(f.answer, f.value, labels[f.question])))
    return rows


#: fewer answers of a kind than this keep the default map (a handful still fits: the model's own proposals are
#: few, and mostly wrong on vendors it has not seen, which is what their confidence must say)
MIN_ROWS = 8


def fit_calibration(rows: Iterable[tuple[str, str, str, list[float], bool]], default: dict) -> dict:
    """Per kind, a logistic regression of rightness on the basis features and the question (one indicator per
    question: a question's own prior, regularised like the rest); a kind with too few rows, or only right or only
    wrong ones, keeps its default map. The question weights go under "questions" (kind -> question -> weight).

    The question indicators lift the accuracy of the answers kept at 20% review from 0.937 to 0.955, leave one
    vendor out (the calibration itself fitted without the vendor scored)."""
    from sklearn.linear_model import LogisticRegression

    rows = list(rows)
    kinds = [k for k in default if k != "questions"]
    out: dict = {k: list(default[k]) for k in kinds}
    by_question: dict[str, dict[str, float]] = {}
    for kind in kinds:
        mine = [r for r in rows if r[1] == kind]
        y = np.array([r[4] for r in mine], dtype=int)
        if len(y) < MIN_ROWS or y.min() == y.max():
            continue
        questions = sorted({r[2] for r in mine})
        X = np.array([r[3] + [float(r[2] == q) for q in questions] for r in mine], dtype=float)
        clf = LogisticRegression(C=1.0, max_iter=5000).fit(X, y)
        weights = [float(w) for w in clf.coef_[0]]
        n = len(weights) - len(questions)
        out[kind] = [float(clf.intercept_[0])] + weights[:n]
        by_question[kind] = dict(zip(questions, weights[n:]))
    return {**out, "questions": by_question}


def held_out(documents: dict[str, AnnotatedDocument], examples: list[Example], checklist: Checklist,
             gold: dict[str, dict], shipped: ReaderModel, default_calibration: dict,
             progress: Optional[Callable[[str], None]] = None) -> dict[str, tuple[Fact, ...]]:
    """Leave one vendor out all the way: each vendor's facts from a model trained without it, their confidence
    from a calibration fitted on the other vendors' held-out answers only, settled with the shipped reading
    settings."""
    raw = leave_one_vendor_out(documents, examples, checklist, progress=progress)
    rows = calibration_rows(raw, gold)
    out = {}
    for key, facts in raw.items():
        vendor = vendor_of(key)
        model = shipped.with_calibration(fit_calibration([r for r in rows if r[0] != vendor], default_calibration))
        out[key] = tuple(model.settle(f) for f in facts)
    return out
