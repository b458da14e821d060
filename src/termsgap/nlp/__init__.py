"""NLP annotation: clauses -> sentences with lemmas, negation, exceptions, conditions, durations, defined terms."""
from .pipeline import annotate

__all__ = ["annotate"]
