"""NLP annotation: clauses -> sentences with lemmas, negation, exceptions, durations, defined terms
(tiers and conditions of scope are read by the checklist's scope patterns)."""
from .pipeline import annotate

__all__ = ["annotate"]
