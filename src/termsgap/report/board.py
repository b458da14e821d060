"""The board's view of a vendor: a handful of plain statements, worst first, and the fine-tuning panel.

Pure functions of a `VendorResult`; every statement and cell is a vendor finding, so each traces to its clause.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from termsgap.models import VendorFinding, VendorResult, Verdict

from ._format import ATTENTION, value_text, verdict_rank

#: the questions a board asks first, for ordering statements of the same verdict
BOARD_ORDER = ("training.customer-content", "access.third-party-sharing", "access.human-review",
               "training.fine-tuning-data", "training.fine-tuned-model-exclusive", "retention.prompts-outputs",
               "retention.fine-tuning-data", "retention.post-termination", "location.data-residency",
               "access.government-requests", "security.breach-notification")
STATEMENTS = 6

PANEL_COLUMNS = ("Used for training?", "Who can see it?", "How long is it kept?", "Can we delete it?", "Where is it?")
#: rows of the fine-tuning panel: the question answering each column
PANEL_ROWS = (
    ("Prompts and outputs", ("training.customer-content", "access.human-review", "retention.prompts-outputs",
                             "retention.post-termination", "location.data-residency")),
    ("Fine-tuning data", ("training.fine-tuning-data", "access.human-review", "retention.fine-tuning-data",
                          "retention.fine-tuning-data", "location.data-residency")),
    ("Fine-tuned models", ("training.fine-tuned-model-exclusive", "training.fine-tuned-model-exclusive",
                           "retention.fine-tuning-data", "retention.fine-tuning-data", "location.data-residency")),
)
#: (question, answer) -> a cell's words; per column where one question answers two columns differently
SHORT = {
    "training.customer-content": {"never": "No", "opt-in": "Only if we agree", "opt-out": "Yes, unless we opt out",
                                  "yes": "Yes"},
    "training.fine-tuning-data": {"customer-only": "Only for our model", "vendor-may-use": "Vendor may use it"},
    "training.fine-tuned-model-exclusive": {"exclusive": ("Not reused", "Only us"),
                                            "shared": ("May be reused", "Others too")},
    "access.human-review": {"no": "No vendor staff", "flagged-only": "Staff, if flagged", "yes": "Vendor staff"},
    "retention.prompts-outputs": {"zero": "Not stored", "days": "Up to {value}", "until-deleted": "Until we delete",
                                  "indefinite": "Indefinitely"},
    "retention.fine-tuning-data": {"customer-deletable": ("Until we delete", "Yes"),
                                   "vendor-retains": ("Vendor keeps it", "No")},
    "retention.post-termination": {"deleted": "Deleted at the end", "retained": "Kept after the end"},
    "location.data-residency": {"committed": "Our chosen region", "not-committed": "Not promised"},
}


@dataclass(frozen=True)
class Cell:
    text: str
    verdict: str
    question: Optional[str] = None


def finding(vendor: VendorResult, question: str) -> Optional[VendorFinding]:
    return next((v for v in vendor.findings if v.question == question), None)


def _priority(question: str) -> int:
    return BOARD_ORDER.index(question) if question in BOARD_ORDER else len(BOARD_ORDER)


def worst_first(vendor: VendorResult) -> list[VendorFinding]:
    return sorted(vendor.findings, key=lambda v: (verdict_rank(v.finding.verdict), _priority(v.question)))


def statements(vendor: VendorResult, limit: int = STATEMENTS) -> list[VendorFinding]:
    """What needs the board's attention (gap, review, partial; worst first), topped up with the answers to the
    questions a board asks first, so every vendor gets a handful."""
    urgent = [v for v in worst_first(vendor) if v.finding.verdict in ATTENTION[:3]]
    rest = sorted((v for v in vendor.findings if v not in urgent and v.question in BOARD_ORDER
                   and v.finding.verdict != Verdict.NOT_ADDRESSED), key=lambda v: _priority(v.question))
    return (urgent + rest)[:limit]


def panel(vendor: VendorResult) -> list[tuple[str, list[Cell]]]:
    rows = []
    for name, questions in PANEL_ROWS:
        cells = []
        for col, q in enumerate(questions):
            vf = finding(vendor, q)
            if vf is None:
                cells.append(Cell("—", "none"))
                continue
            f = vf.finding
            words = SHORT.get(q, {}).get(f.answer)
            if isinstance(words, tuple):
                words = words[0] if col in (0, 2) else words[1]
            if words is None:
                words = "Not stated" if f.answer == "not-addressed" else f.answer
            text = words.format(value=value_text(q, f.answer, f.value) or "a stated period")
            cells.append(Cell(text, f.verdict.value, q))
        rows.append((name, cells))
    return rows
