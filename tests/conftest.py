from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SAMPLES = ROOT / "contracts_samples"


@pytest.fixture(scope="session")
def policy():
    from termsgap.policy import load_policy
    return load_policy(ROOT / "policies" / "default.yaml")


@pytest.fixture(scope="session")
def checklist(policy):
    return policy.load_checklist()


def corpus_or_skip() -> Path:
    if not (CORPUS / "gold").is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS
