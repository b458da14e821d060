from __future__ import annotations
from termsgap.policy import POLICY_DIR

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SAMPLES = ROOT / "contracts_samples"


@pytest.fixture(scope="session")
def policy():
    from termsgap.policy import load_policy
    return load_policy(POLICY_DIR / "default.yaml")


@pytest.fixture(scope="session")
def checklist(policy):
    return policy.load_checklist()


def corpus_or_skip() -> Path:
    if not (CORPUS / "gold").is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


@pytest.fixture(autouse=True)
def _history_db_in_tmp(tmp_path, monkeypatch):
    """Every scan also records history: keep tests away from the user's ~/.local/share/termsgap."""
    monkeypatch.setenv("TERMSGAP_DB", str(tmp_path / "history.db"))


def screenshot_dir(tmp_path_factory, *parts: str) -> Path:
    """reports/screenshots/... (git-ignored) for people to look at; a temporary folder if that cannot be made."""
    try:
        out = ROOT.joinpath("reports", "screenshots", *parts)
        out.mkdir(parents=True, exist_ok=True)
        return out
    except OSError:
        return tmp_path_factory.mktemp("screenshots")
