"""Training the learned reader: examples from annotated documents, gold-labelled documents and our own passages;
one logistic-regression relevance classifier per question and one answer classifier per question.

scikit-learn fits the classifiers (deterministic: lbfgs, no random state involved); the result is exported as
plain arrays that `model.py` reads with numpy alone.
"""
from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import yaml

from ..evaluate import evidence_hit
from ..extract import load
from ..extract.segment import segment
from ..extract.text import extract as extract_text
from ..facts import Checklist
from ..models import Sentence
from ..nlp import annotate
from ..nlp.pipeline import lemmatize
from .annotations import Annotation, load_annotation
from .features import features
from .model import SCHEMA_VERSION, ReaderModel

#: regularisation (inverse strength) of the relevance and answer classifiers; chosen leave-one-vendor-out
C_RELEVANCE = 4.0
C_ANSWER = 4.0
MIN_DF = 2
#: how rules and model are combined, before calibration; see model.py
READING = {"gate": 0.05, "propose": 0.5, "min_proposal": 0.6}
#: the confidence map before one is fitted: [bias, relevance, agreement, rule confidence, relevance x agreement]
CALIBRATION = {"rule": [-1.0, 1.0, 1.0, 2.0, 1.0], "model": [-2.0, 1.5, 1.5, 0.0, 1.5]}


@dataclass(frozen=True)
class Example:
    feats: tuple[str, ...]
    labels: tuple[str, ...]   # "question=answer"
    group: str                # the vendor (or "passages"): the unit kept out together


def sentence_features(s: Sentence) -> tuple[str, ...]:
    exceptions = lemmatize(" ; ".join(s.exceptions)) if s.exceptions else ""
    return tuple(features(s.lemmas, s.headings, exceptions))


def read_sentences(path: Path, checklist: Checklist) -> list[Sentence]:
    document = load(path)
    return list(annotate(document, segment(document), checklist.concept_patterns).sentences)


def annotated_examples(files: Iterable[Path], text_root: Path, checklist: Checklist) -> list[Example]:
    """Examples of annotation files whose documents lie under text_root (the corpus's text/ folder)."""
    out = []
    for f in files:
        ann = load_annotation(f)
        out += examples_of(read_sentences(text_root / ann.document, checklist), ann, ann.document.split("/")[0])
    return out


def examples_of(sentences: list[Sentence], ann: Annotation, group: str) -> list[Example]:
    """A document's sentences with the labels an annotation gives them (units it does not list are left out)."""
    return [Example(sentence_features(s), tuple(l for l in labels if not l.endswith("=none")), group)
            for s, labels in zip(sentences, ann.labels_for(sentences)) if labels is not None]


def gold_examples_of(sentences: list[Sentence], labels: dict, group: str) -> list[Example]:
    """A document labelled only at document level (the gold format): a sentence the gold evidence quotes carries
    the gold answer; every other sentence is an example of what does not speak to the question."""
    out = []
    for s in sentences:
        mine = tuple(f"{q}={(lab.get('answers') or ['not-addressed'])[0]}" for q, lab in labels.items()
                     if (lab.get("answers") or ["not-addressed"])[0] != "not-addressed"
                     and lab.get("evidence") and evidence_hit(lab["evidence"], [s.text]))
        out.append(Example(sentence_features(s), mine, group))
    return out


def passage_examples(folders: Iterable[Path], checklist: Checklist) -> list[Example]:
    """Our own passages (policies/cases, the hold-out sets): each passage, read whole, speaks to its question
    with its answer; a passage answered `not-addressed` is an example of what does not."""
    out = []
    for folder in folders:
        for f in sorted(Path(folder).glob("*.yaml")):
            spec = yaml.safe_load(f.read_text(encoding="utf-8"))
            q = spec["question"]
            for case in spec.get("cases", []):
                data = case["text"].encode()
                doc = extract_text(Path("passage.md"), data, hashlib.sha256(data).hexdigest())
                sents = annotate(doc, segment(doc), checklist.concept_patterns).sentences
                lemmas = " ".join(s.lemmas for s in sents)
                headings = sents[0].headings if sents else ""
                exc = lemmatize(" ; ".join(x for s in sents for x in s.exceptions))
                label = () if case["answer"] == "not-addressed" else (f"{q}={case['answer']}",)
                out.append(Example(tuple(features(lemmas, headings, exc)), label, "passages"))
    return out


def fit(examples: list[Example], checklist: Checklist, *, name: str = "termsgap",
        c_relevance: float = C_RELEVANCE, c_answer: float = C_ANSWER) -> tuple[ReaderModel, dict[str, np.ndarray]]:
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    df = Counter(f for e in examples for f in set(e.feats))
    vocab = sorted(f for f, n in df.items() if n >= MIN_DF)
    column = {f: i for i, f in enumerate(vocab)}
    n = len(examples)
    idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in vocab], dtype=np.float32)
    rows, cols, vals = [], [], []
    for r, e in enumerate(examples):
        cs = sorted({column[f] for f in e.feats if f in column})
        v = idf[cs] if cs else np.zeros(0, dtype=np.float32)
        v = v / (np.linalg.norm(v) or 1.0)
        rows += [r] * len(cs); cols += cs; vals += v.tolist()
    X = csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)), dtype=np.float64)
    questions = [q.id for q in checklist.questions]
    rel_w = np.zeros((len(questions), len(vocab)), dtype=np.float32)
    rel_b = np.zeros(len(questions), dtype=np.float32)
    arrays: dict[str, np.ndarray] = {}
    meta_q = []
    for i, q in enumerate(questions):
        y = np.array([any(l.startswith(q + "=") for l in e.labels) for e in examples], dtype=int)
        if 0 < y.sum() < n:
            clf = LogisticRegression(C=c_relevance, max_iter=3000).fit(X, y)
            rel_w[i], rel_b[i] = clf.coef_[0], clf.intercept_[0]
        else:
            rel_b[i] = -20.0
        # answers: one sample per (example, answer) label of this question
        idx, ys = [], []
        for r, e in enumerate(examples):
            for l in e.labels:
                lq, _, a = l.partition("=")
                if lq == q:
                    idx.append(r); ys.append(a)
        classes = sorted(set(ys))
        if len(classes) >= 2:
            clf = LogisticRegression(C=c_answer, max_iter=3000).fit(X[idx], ys)
            arrays[f"ans_w_{i}"] = clf.coef_.astype(np.float32)
            arrays[f"ans_b_{i}"] = clf.intercept_.astype(np.float32)
            classes = [str(c) for c in clf.classes_]
        meta_q.append({"id": q, "answers": classes or list(checklist.question(q).answers[:1]),
                       "positives": int(y.sum())})
    arrays.update(idf=idf, rel_w=rel_w, rel_b=rel_b)
    meta = {"schema_version": SCHEMA_VERSION, "name": name, "questions": meta_q, "vocabulary": vocab,
            "examples": n, "groups": sorted({e.group for e in examples}),
            "settings": {"c_relevance": c_relevance, "c_answer": c_answer, "min_df": MIN_DF},
            "reading": dict(READING), "calibration": {k: list(v) for k, v in CALIBRATION.items()}}
    return ReaderModel(meta, arrays), arrays
