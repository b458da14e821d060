"""Accuracy on the real vendor terms of ../shared/corpus, every rendering (issue 3's reach)."""
from __future__ import annotations

import pytest

from termsgap import engine
from termsgap.evaluate import document_key, load_gold, score

from conftest import corpus_or_skip

RENDERINGS = {"text": ("text", "*/*/*.md"), "pdf": ("pdf", "*.pdf"), "docx": ("docx", "*.docx"),
              "html": ("html", "*.html")}


@pytest.fixture(scope="module")
def scores(policy, checklist):
    corpus = corpus_or_skip()
    gold = load_gold(corpus / "gold")
    out = {}
    for name, (folder, pattern) in RENDERINGS.items():
        paths = sorted((corpus / folder).glob(pattern))
        result = engine.judge_all(engine.analyse_all(paths, checklist), policy, checklist=checklist)
        docs = {document_key(d.source, set(gold)): d for d in result.documents}
        out[name] = score({k: v for k, v in gold.items() if k in docs}, docs, policy)
    return out


@pytest.mark.parametrize("rendering", list(RENDERINGS))
def test_reach(scores, rendering):
    s = scores[rendering].summary()
    assert s["pairs"] > 0
    assert s["false_assurance"] == 0, s
    assert s["answer_accuracy"] >= 0.90, s
    assert s["addressed_f1"] >= 0.92, s
    assert s["evidence_hit_rate"] >= 0.90, s


@pytest.mark.parametrize("rendering", ["pdf", "docx", "html"])
def test_rendering_costs_no_accuracy(scores, rendering):
    text = scores["text"]
    other = scores[rendering]
    for key in {r.document for r in other.rows}:
        a = text.summary([r for r in text.rows if r.document == key])["answer_accuracy"]
        b = other.summary([r for r in other.rows if r.document == key])["answer_accuracy"]
        assert b >= a - 0.02, f"{key}: {rendering} {b} vs text {a}"
