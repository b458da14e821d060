"""Judgement: a policy (YAML) turns facts into verdicts. Changing a threshold re-judges without re-reading."""
from .schema import Policy, PolicyError, load_policy
from .judge import judge

__all__ = ["Policy", "PolicyError", "load_policy", "judge"]
