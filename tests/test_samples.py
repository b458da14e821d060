"""Golden end-to-end tests on contracts_samples/: each sample against its expected findings, and a snapshot of
the engine's findings (answer, value, verdict, evidence locations) in tests/golden/.

Snapshots change only on request: TERMSGAP_REGEN_GOLDEN=1 pytest tests/test_samples.py
"""
from __future__ import annotations

import json
import os

import pytest

from termsgap import engine
from termsgap.evaluate import load_gold, score

from conftest import ROOT, SAMPLES

GOLDEN = ROOT / "tests" / "golden"
EXPECTED = sorted(SAMPLES.glob("*.expected.yaml"))


def sample_file(expected):
    stem = expected.name[: -len(".expected.yaml")]
    found = [p for p in SAMPLES.iterdir() if p.stem == stem and not p.name.endswith(".yaml")]
    assert len(found) == 1, f"{stem}: expected one document, found {found}"
    return found[0]


@pytest.fixture(scope="module")
def results(policy):
    paths = [sample_file(e) for e in EXPECTED]
    return {p.stem: d for p, d in zip(paths, engine.scan(paths, policy, vendor="samples").documents)}


def test_there_are_samples_in_every_format():
    suffixes = {sample_file(e).suffix for e in EXPECTED}
    assert {".pdf", ".docx", ".html", ".md"} <= suffixes


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_sample_matches_expected_findings(expected, results, policy):
    stem = expected.name[: -len(".expected.yaml")]
    doc = results[stem]
    assert doc.status == "ok", doc.error
    assert len(doc.findings) == 19
    s = score(load_gold(expected), {stem: doc}, policy)
    wrong = [(r.question, r.gold, r.answer, r.value) for r in s.rows if not r.correct]
    assert not wrong, wrong
    assert s.summary()["false_assurance"] == 0


def snapshot(doc) -> dict:
    return {f.question: {"answer": f.answer, "value": f.value, "verdict": f.verdict.value,
                         "evidence": [{"page": e.page, "line": e.line, "clause": e.clause, "quote": e.quote[:120]}
                                      for e in f.evidence],
                         **({"candidates": [e.quote[:120] for e in f.candidates]} if f.candidates else {})}
            for f in doc.findings}


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_sample_snapshot(expected, results):
    stem = expected.name[: -len(".expected.yaml")]
    path = GOLDEN / f"{stem}.json"
    got = snapshot(results[stem])
    if os.environ.get("TERMSGAP_REGEN_GOLDEN"):
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert path.exists(), f"no snapshot {path}; run with TERMSGAP_REGEN_GOLDEN=1 once"
    assert got == json.loads(path.read_text(encoding="utf-8"))
