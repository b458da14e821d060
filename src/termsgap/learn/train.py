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
from ..extract.segment import segment
from ..extract.text import extract as extract_text
from ..facts import Checklist
from ..models import Sentence
from ..nlp import annotate
from ..nlp.pipeline import lemmatize
from .annotations import Annotation, load_annotation
from .corpus import read_units
from .features import features
from .model import SCHEMA_VERSION, ReaderModel

#: regularisation (inverse strength) of the relevance and answer classifiers; chosen leave-one-vendor-out
C_RELEVANCE = 4.0
C_ANSWER = 4.0
#: class-balanced relevance classifiers rank sentences about as well (mean AP 0.54 against 0.51, leave one vendor
#: out) but cost false assurance downstream (4 against 2 on the corpus PDFs), so the plain ones stay
BALANCED = False
MIN_DF = 2
#: how rules and model are combined, before calibration; see model.py
READING = {"gate": 0.015, "relative": 0.1, "propose": 0.3, "min_proposal": 0.9}
#: the confidence map before one is fitted: [bias, relevance, agreement, rule confidence, relevance x agreement,
#: log relevance, rival answers]
CALIBRATION = {"rule": [-1.0, 1.0, 1.0, 2.0, 1.0, 0.0, -0.5], "model": [-2.0, 1.5, 1.5, 0.0, 1.5, 0.0, 0.0],
               "none": [2.0, -3.0, 0.0, 0.0, 0.0, 0.0, 0.0]}


@dataclass(frozen=True)
class Example:
    feats: tuple[str, ...]
    labels: tuple[str, ...]   # "question=answer"
    group: str                # the vendor (or "passages"): the unit kept out together


def digest(examples: Iterable[Example]) -> str:
    """What a model was trained on, whatever the order the examples came in: a shipped reader whose digest differs
    from that of the examples the engine reads today is stale (the passages, the annotations or the reading
    changed since it was trained)."""
    h = hashlib.sha256()
    for line in sorted("\t".join((e.group, " ".join(e.labels), " ".join(e.feats))) for e in examples):
        h.update(line.encode() + b"\n")
    return h.hexdigest()[:16]


def sentence_features(s: Sentence, checklist: Checklist) -> tuple[str, ...]:
    exceptions = lemmatize(" ; ".join(s.exceptions)) if s.exceptions else ""
    return tuple(features(s.lemmas, s.headings, exceptions, checklist.tags(s.lemmas)))


def annotated_examples(files: Iterable[Path], text_root: Path, checklist: Checklist) -> list[Example]:
    """Examples of annotation files whose documents lie under text_root (the corpus's text/ folder)."""
    out = []
    for f in files:
        ann = load_annotation(f)
        _, sentences = read_units(text_root / ann.document, checklist)
        out += examples_of(sentences, ann, ann.document.split("/")[0], checklist)
    return out


def examples_of(sentences: list[Sentence], ann: Annotation, group: str, checklist: Checklist) -> list[Example]:
    """A document's sentences with the labels an annotation gives them (units it does not list are left out)."""
    return [Example(sentence_features(s, checklist), tuple(l for l in labels if not l.endswith("=none")), group)
            for s, labels in zip(sentences, ann.labels_for(sentences)) if labels is not None]


def gold_examples_of(sentences: list[Sentence], labels: dict, group: str, checklist: Checklist) -> list[Example]:
    """A document labelled only at document level (the gold format): a sentence the gold evidence quotes carries
    the gold answer; every other sentence is an example of what does not speak to the question."""
    out = []
    for s in sentences:
        mine = tuple(f"{q}={(lab.get('answers') or ['not-addressed'])[0]}" for q, lab in labels.items()
                     if (lab.get("answers") or ["not-addressed"])[0] != "not-addressed"
                     and lab.get("evidence") and evidence_hit(lab["evidence"], [s.text]))
        out.append(Example(sentence_features(s, checklist), mine, group))
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
                out.append(Example(tuple(features(lemmas, headings, exc, checklist.tags(lemmas))), label, "passages"))
    return out


def _relevance(X, y, c: float, balanced: bool):
    """One question's relevance classifier: (weights, bias), or None without both classes."""
    from sklearn.linear_model import LogisticRegression

    if not 0 < y.sum() < len(y):
        return None
    clf = LogisticRegression(C=c, solver="liblinear", random_state=0, max_iter=3000,
                             class_weight="balanced" if balanced else None).fit(X, y)
    return clf.coef_[0], clf.intercept_[0]


def fit(examples: list[Example], checklist: Checklist, *, name: str = "termsgap",
        c_relevance: float = C_RELEVANCE, c_answer: float = C_ANSWER, balanced: bool = BALANCED) -> tuple[ReaderModel, dict[str, np.ndarray]]:
    from joblib import Parallel, delayed
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
    rel_b = np.full(len(questions), -20.0, dtype=np.float32)
    arrays: dict[str, np.ndarray] = {}
    meta_q = []
    ys = [np.array([any(l.startswith(q + "=") for l in e.labels) for e in examples], dtype=int) for q in questions]
    fits = Parallel(n_jobs=2)(delayed(_relevance)(X, y, c_relevance, balanced) for y in ys)
    for i, q in enumerate(questions):
        if fits[i] is not None:
            rel_w[i], rel_b[i] = fits[i]
        # answers: one sample per (example, answer) label of this question, over the columns those examples use
        idx, answers = [], []
        for r, e in enumerate(examples):
            for l in e.labels:
                lq, _, a = l.partition("=")
                if lq == q:
                    idx.append(r); answers.append(a)
        classes = sorted(set(answers))
        if len(classes) >= 2:
            sub = X[idx]
            used = np.unique(sub.indices)
            clf = LogisticRegression(C=c_answer, max_iter=3000).fit(sub[:, used], answers)
            w = np.zeros((clf.coef_.shape[0], len(vocab)), dtype=np.float32)
            w[:, used] = clf.coef_
            arrays[f"ans_w_{i}"] = w
            arrays[f"ans_b_{i}"] = clf.intercept_.astype(np.float32)
            classes = [str(c) for c in clf.classes_]
        meta_q.append({"id": q, "answers": classes or list(checklist.question(q).answers[:1]),
                       "positives": int(ys[i].sum())})
    arrays.update(idf=idf, rel_w=rel_w, rel_b=rel_b)
    meta = {"schema_version": SCHEMA_VERSION, "name": name, "questions": meta_q, "vocabulary": vocab,
            "examples": n, "examples_digest": digest(examples), "groups": sorted({e.group for e in examples}),
            "settings": {"c_relevance": c_relevance, "c_answer": c_answer, "min_df": MIN_DF, "balanced": balanced},
            "reading": dict(READING), "calibration": {k: list(v) for k, v in CALIBRATION.items()}}
    return ReaderModel(meta, arrays), arrays
