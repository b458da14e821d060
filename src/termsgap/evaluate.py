"""Score findings against gold labels: answer accuracy, addressed P/R/F1, evidence hit rate, false assurance.

Gold format (one YAML file per document, the format of shared/corpus/gold):
```yaml
document: vendor/doc/2026-01-01.md          # informational
labels:
  training.customer-content:
    answers: [opt-in]          # accepted answers; two only where both readings are defensible
    value: null                # the number for answers that carry one (days, hours, notice days)
    evidence: ["verbatim sentence of the source", ...]
```
A gold file maps to a document by name: `GOLD/<a>/<b>/<c>.gold.yaml` is the document whose file stem is
`<a>__<b>__<c>`; a flat `GOLD/<stem>.gold.yaml` or `<stem>.expected.yaml` is the document `<stem>.*`.
False assurance: the engine's answer is rated compliant by the policy and no gold answer is.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from .models import DocumentResult, Finding, Verdict
from .policy import Policy
from .policy.judge import verdict_for

NUMERIC = {"days", "hours", "deleted", "notice"}
GOLD_SUFFIXES = (".gold.yaml", ".expected.yaml")


def norm(s: str) -> str:
    s = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", s)
    s = re.sub(r"[*_`>#]", " ", s)
    s = s.replace("-\n", "").lower()
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def evidence_hit(gold: list[str], quotes: list[str]) -> bool:
    g = [norm(x) for x in gold if x]
    t = [norm(q) for q in quotes]
    for a in g:
        for b in t:
            short, long_ = (a, b) if len(a) <= len(b) else (b, a)
            if len(short) < 25:
                continue
            if short in long_ or fuzz.partial_ratio(short, long_) >= 85:
                return True
    return False


def value_ok(gold_value, value) -> bool:
    if not isinstance(gold_value, (int, float)) or isinstance(gold_value, bool):
        return True
    try:
        return abs(float(gold_value) - float(value)) < 0.5
    except (TypeError, ValueError):
        return False


def is_correct(answer: str, value, label: dict) -> bool:
    """The answer is one of the gold answers and, where it carries a number the gold gives, the same number."""
    answers = list(label.get("answers") or ["not-addressed"])
    return answer in answers and (answer not in NUMERIC or value_ok(label.get("value"), value))


def gold_key(path: Path, root: Path) -> str:
    rel = path.relative_to(root)
    name = rel.name
    for suf in GOLD_SUFFIXES:
        if name.endswith(suf):
            name = name[: -len(suf)]
    return "__".join(rel.parts[:-1] + (name,))


def document_key(source: str, known: set[str]) -> str:
    """The gold key of a document: its file stem, or for a tree like text/<vendor>/<doc>/<date>.md the last parts."""
    p = Path(source)
    for n in (1, 2, 3):
        key = "__".join(p.parts[-n:-1] + (p.stem,)) if n > 1 else p.stem
        if key in known:
            return key
    return p.stem


def load_gold(root: Path) -> dict[str, dict]:
    root = Path(root)
    files = [root] if root.is_file() else sorted(p for suf in GOLD_SUFFIXES for p in root.rglob(f"*{suf}"))
    out = {}
    for f in files:
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        out[gold_key(f, root.parent if root.is_file() else root)] = data["labels"]
    return out


@dataclass
class Row:
    document: str
    question: str
    gold: list[str]
    gold_value: object
    answer: str
    value: object
    correct: bool
    evidence_hit: bool | None
    false_assurance: bool
    review: bool
    quotes: list[str] = field(default_factory=list)


@dataclass
class Score:
    rows: list[Row]
    missing: list[str]

    def summary(self, rows: list[Row] | None = None) -> dict:
        rows = self.rows if rows is None else rows
        n = len(rows)
        gold_addr = sum(r.gold != ["not-addressed"] for r in rows)
        tool_addr = sum(r.answer != "not-addressed" for r in rows)
        both = sum(r.gold != ["not-addressed"] and r.answer != "not-addressed" for r in rows)
        prec = both / tool_addr if tool_addr else 0.0
        rec = both / gold_addr if gold_addr else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        review = sum(r.review for r in rows)
        sure = n - review
        return {
            "pairs": n,
            "answer_accuracy": round(sum(r.correct for r in rows) / n, 3) if n else 0.0,
            "addressed_precision": round(prec, 3), "addressed_recall": round(rec, 3), "addressed_f1": round(f1, 3),
            "evidence_hit_rate": round(sum(bool(r.evidence_hit) for r in rows) / both, 3) if both else 0.0,
            "false_assurance": sum(r.false_assurance for r in rows),
            "review_rate": round(review / n, 3) if n else 0.0,
            "selective_accuracy": round(sum(r.correct and not r.review for r in rows) / sure, 3) if sure else 0.0,
        }

    def per_question(self) -> dict[str, dict]:
        by = defaultdict(list)
        for r in self.rows:
            by[r.question].append(r)
        return {q: self.summary(rows) for q, rows in sorted(by.items())}


def score(gold: dict[str, dict], results: dict[str, DocumentResult], policy: Policy) -> Score:
    """Compare results (by document key) with gold labels (by the same key)."""
    rows, missing = [], []

    def compliant(q: str, answer: str, value) -> bool:
        return answer != "not-addressed" and verdict_for(policy.questions[q], answer, value) == Verdict.COMPLIANT

    for key, labels in sorted(gold.items()):
        doc = results.get(key)
        if doc is None:
            missing.append(key)
        findings: dict[str, Finding] = {f.question: f for f in (doc.findings if doc else ())}
        for q, lab in labels.items():
            answers = list(lab.get("answers") or ["not-addressed"])
            f = findings.get(q)
            answer = f.answer if f else "not-addressed"
            value = f.value if f else None
            quotes = [e.quote for e in f.evidence] if f else []
            g_addr, t_addr = answers != ["not-addressed"], answer != "not-addressed"
            correct = is_correct(answer, value, lab)
            hit = evidence_hit(lab.get("evidence") or [], quotes) if g_addr and t_addr else None
            gold_fav = any(compliant(q, a, lab.get("value")) for a in answers)
            rows.append(Row(key, q, answers, lab.get("value"), answer, value, correct, hit,
                            t_addr and compliant(q, answer, value) and not gold_fav,
                            bool(f and f.verdict == Verdict.REVIEW), quotes))
    return Score(rows, missing)


def format_table(s: Score) -> str:
    lines = [f"{'question':38} {'n':>3} {'acc':>5} {'F1':>5} {'evid':>5} {'false+':>6}"]
    for q, m in s.per_question().items():
        lines.append(f"{q:38} {m['pairs']:3} {m['answer_accuracy']:5.2f} {m['addressed_f1']:5.2f} "
                     f"{m['evidence_hit_rate']:5.2f} {m['false_assurance']:6}")
    if s.missing:
        lines.append("missing results: " + ", ".join(s.missing))
    lines.append(" ".join(f"{k}={v}" for k, v in s.summary().items()))
    return "\n".join(lines)


def format_wrong(s: Score) -> str:
    out = []
    for r in s.rows:
        if r.correct and (r.evidence_hit is not False):
            continue
        what = "WRONG" if not r.correct else "EVIDENCE"
        out.append(f"{what} {r.document} {r.question}: gold {r.gold} value={r.gold_value} | got {r.answer} "
                   f"value={r.value}{' (false assurance)' if r.false_assurance else ''}")
        for q in r.quotes[:3]:
            out.append(f"    > {q[:220]}")
    return "\n".join(out)
