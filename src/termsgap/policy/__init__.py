"""Judgement: a policy (YAML) turns facts into verdicts. Changing a threshold re-judges without re-reading."""
from pathlib import Path

from .schema import Policy, PolicyError, load_policy
from .judge import judge

#: the checklist and the policies that ship inside the package (termsgap/policies/*.yaml)
POLICY_DIR = Path(__file__).resolve().parents[1] / "policies"
DEFAULT_POLICY = POLICY_DIR / "default.yaml"

__all__ = ["Policy", "PolicyError", "load_policy", "judge", "POLICY_DIR", "DEFAULT_POLICY"]
