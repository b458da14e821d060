"""The learned reader at run time: numpy only, loaded from plain arrays (no pickle, so a model directory from
elsewhere executes nothing).

A model directory holds `model.json` (questions, answers, vocabulary, settings) and `weights.npz` (idf, one
relevance classifier per question, one answer classifier per question). For each sentence it gives
P(the sentence speaks to question q) and, for each q, P(answer | it speaks to q).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..models import Basis, Fact
from .features import features

SCHEMA_VERSION = 1
SHIPPED = Path(__file__).resolve().parents[1] / "model"


class ModelError(Exception):
    pass


@dataclass(frozen=True)
class Reading:
    """The model's reading of one sentence for one question."""
    relevance: float
    answers: dict[str, float]

    @property
    def best(self) -> tuple[str, float]:
        return max(self.answers.items(), key=lambda kv: kv[1]) if self.answers else ("", 0.0)


class ReaderModel:
    def __init__(self, meta: dict, arrays: dict[str, np.ndarray]):
        self.meta = meta
        self.questions: list[str] = [q["id"] for q in meta["questions"]]
        self.answers: dict[str, list[str]] = {q["id"]: q["answers"] for q in meta["questions"]}
        self.column = {f: i for i, f in enumerate(meta["vocabulary"])}
        self.idf = arrays["idf"]
        # weights kept a row per feature (transposed from the arrays' row per question): a sentence's few
        # features are gathered as contiguous rows
        self.rel_wt, self.rel_b = np.ascontiguousarray(arrays["rel_w"].T), arrays["rel_b"]
        self.ans = {q: (np.ascontiguousarray(arrays[f"ans_w_{i}"].T), arrays[f"ans_b_{i}"])
                    for i, q in enumerate(self.questions) if f"ans_w_{i}" in arrays}

    @property
    def name(self) -> str:
        return self.meta.get("name", "model")

    @property
    def fingerprint(self) -> str:
        """Identifies the weights and settings (a changed model must re-read cached analyses)."""
        return self.meta.get("fingerprint", "")

    # how rules and model are combined (model.json "reading"; chosen leave-one-vendor-out, see train.py)
    @property
    def gate(self) -> float:
        """Below this relevance a sentence does not speak to the question: no rule runs on it for that question."""
        return self.meta["reading"]["gate"]

    @property
    def propose(self) -> float:
        """Sentences at least this relevant are candidates for the model's own answer."""
        return self.meta["reading"]["propose"]

    @property
    def min_proposal(self) -> float:
        """The model answers where no rule did only when its calibrated confidence reaches this."""
        return self.meta["reading"]["min_proposal"]

    def confidence(self, basis: Basis, question: str = "") -> float:
        """Calibrated P(the answer is right): a logistic map fitted on leave-one-vendor-out results (crossval.py)
        from how relevant the evidence is, how far the model agrees, the rule's own confidence and how often
        answers of this kind to this question were right (some questions are harder to read than others)."""
        calibration = self.meta["calibration"]
        w = calibration[basis.kind]
        z = float(np.dot(w[1:], calibration_features(basis))) + w[0]
        z += calibration.get("questions", {}).get(basis.kind, {}).get(question, 0.0)
        return 1.0 / (1.0 + math.exp(-z))

    @property
    def relative(self) -> float:
        """Rule hits on sentences much less relevant than the question's most relevant hit are dropped."""
        return self.meta["reading"]["relative"]

    def keep_relevant(self, hits: list, answers: tuple[str, ...]) -> list:
        """Rule hits (facts.detect.Hit) that the model reads as relevant enough next to the question's best:
        answers whose sentences are far less relevant than the best one's lose (signals of combos all stay)."""
        top = max((h.reading.relevance for h in hits if h.answer in answers and h.reading), default=0.0)
        return [h for h in hits if h.answer not in answers or h.reading is None
                or h.reading.relevance >= self.relative * top]

    def with_calibration(self, calibration: dict) -> "ReaderModel":
        """The same reader with another confidence map (the arrays are shared, the settings copied)."""
        model = ReaderModel.__new__(ReaderModel)
        model.__dict__.update(self.__dict__)
        model.meta = {**self.meta, "calibration": calibration}
        return model

    def settle(self, fact: Fact) -> Fact:
        """A fact under this model's calibration: confidence from its basis and question; a model-only answer below
        min_proposal is withdrawn: "not addressed", with the model's sentences as candidates for a reviewer."""
        if fact.basis is None:
            return fact
        confidence = round(self.confidence(fact.basis, fact.question), 2)
        if fact.basis.kind == "model" and confidence < self.min_proposal:
            # "not addressed", as sure as "not addressed" is with a sentence this relevant; the sentences the
            # model read stay as candidates for the reviewer
            basis = Basis(kind="none", relevance=fact.basis.relevance, agreement=0.0)
            return Fact(question=fact.question, answer="not-addressed", basis=basis,
                        confidence=round(self.confidence(basis, fact.question), 2),
                        candidates=fact.evidence,
                        rationale=f"model answer {fact.answer} withdrawn (confidence {confidence:.2f})")
        return fact.model_copy(update={"confidence": confidence})

    def vector(self, feats: list[str]) -> tuple[np.ndarray, np.ndarray]:
        ids = set(map(self.column.get, feats))
        ids.discard(None)
        cols = np.fromiter(sorted(ids), dtype=np.int64, count=len(ids))
        if cols.size == 0:
            return cols, np.zeros(0, dtype=np.float32)
        vals = self.idf[cols]
        return cols, vals / np.sqrt(vals.dot(vals))     # what np.linalg.norm computes, without its checks

    def relevances(self, lemmas: str, headings: str = "", exceptions: str = "", tags: tuple[str, ...] = ()
                   ) -> tuple[list[float], np.ndarray, np.ndarray]:
        """P(the sentence speaks to q) for every question, with the sentence's feature vector."""
        cols, vals = self.vector(features(lemmas, headings, exceptions, tags))
        return (1.0 / (1.0 + np.exp(-(vals @ self.rel_wt[cols] + self.rel_b)))).tolist(), cols, vals

    def read(self, lemmas: str, headings: str = "", exceptions: str = "", tags: tuple[str, ...] = ()
             ) -> dict[str, Reading]:
        """Per question: how relevant the sentence is and, where it is relevant at all (the gate), the answer
        probabilities (skipped elsewhere: nothing uses them, and most sentences speak to few questions)."""
        rel, cols, vals = self.relevances(lemmas, headings, exceptions, tags)
        gate = self.gate
        return {q: Reading(rel[i], self.answer_probs(q, cols, vals) if rel[i] >= gate else {})
                for i, q in enumerate(self.questions)}

    def read_relevant(self, lemmas: str, headings: str = "", exceptions: str = "", tags: tuple[str, ...] = ()
                      ) -> dict[str, Reading]:
        """read(), only for the questions the sentence is at least min(gate, propose) relevant to: the others
        neither run rules nor propose answers."""
        rel, cols, vals = self.relevances(lemmas, headings, exceptions, tags)
        reading = self.meta["reading"]
        gate = reading["gate"]
        keep = min(gate, reading["propose"])
        return {q: Reading(r, self.answer_probs(q, cols, vals) if r >= gate else {})
                for q, r in zip(self.questions, rel) if r >= keep}

    def answer_probs(self, q: str, cols: np.ndarray, vals: np.ndarray) -> dict[str, float]:
        answers = self.answers[q]
        if q not in self.ans:
            return {answers[0]: 1.0} if len(answers) == 1 else {}
        wt, b = self.ans[q]
        z = vals @ wt[cols] + b
        if len(answers) == 2 and wt.shape[1] == 1:  # a binary classifier: one column for the second answer
            p1 = float(1.0 / (1.0 + math.exp(-z[0])))
            return {answers[0]: 1.0 - p1, answers[1]: p1}
        e = np.exp(z - z.max())
        return dict(zip(answers, (e / e.sum()).tolist()))

    def save(self, folder: Path, arrays: dict[str, np.ndarray]) -> None:
        import hashlib

        folder.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(json.dumps({k: v for k, v in self.meta.items() if k != "fingerprint"},
                                           sort_keys=True).encode())
        for k in sorted(arrays):
            digest.update(np.ascontiguousarray(arrays[k]).tobytes())
        self.meta["fingerprint"] = digest.hexdigest()[:12]
        (folder / "model.json").write_text(json.dumps(self.meta, indent=0, sort_keys=True), encoding="utf-8")
        write_npz(folder / "weights.npz", arrays)


def calibration_features(b: Basis) -> list[float]:
    return [b.relevance, b.agreement, b.rule, b.relevance * b.agreement, math.log(b.relevance + 1e-3),
            min(b.rivals, 3)]


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez_compressed with fixed entry times, so the same weights give the same bytes."""
    import io
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for k in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[k]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{k}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, buf.getvalue())


def load_model(folder: str | Path | None = None) -> ReaderModel:
    """A model directory (`termsgap train --out DIR`), or the one shipped in the package."""
    folder = Path(folder) if folder else SHIPPED
    return _load(str(folder.resolve()))


@lru_cache(maxsize=4)
def _load(folder: str) -> ReaderModel:
    path = Path(folder)
    try:
        meta = json.loads((path / "model.json").read_text(encoding="utf-8"))
        with np.load(path / "weights.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: not a termsgap model ({exc})") from None
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise ModelError(f"{path}: model schema_version {meta.get('schema_version')} (this termsgap reads "
                         f"{SCHEMA_VERSION}); train it again with `termsgap train`")
    return ReaderModel(meta, arrays)
