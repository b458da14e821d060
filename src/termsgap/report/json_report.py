"""The canonical, schema-versioned JSON report: `RunResult.model_dump(mode="json")` with stable layout.

Keys follow the model, except that the computed `counts` sit right before the list they summarise
(`documents`, `findings`) so a reader sees the totals first. `RunResult.model_validate(json.loads(...))`
reads it back (computed fields are ignored on input).
"""
from __future__ import annotations

import json
from typing import Any

from termsgap.models import RunResult
from termsgap.report import Renderer


def _counts_first(d: dict[str, Any], before: str) -> dict[str, Any]:
    if "counts" not in d or before not in d:
        return d
    out: dict[str, Any] = {}
    for k, v in d.items():
        if k == "counts":
            continue
        if k == before:
            out["counts"] = d["counts"]
        out[k] = v
    return out


def to_dict(result: RunResult) -> dict[str, Any]:
    """The JSON-ready dict of the canonical report."""
    data = result.model_dump(mode="json")
    data["documents"] = [_counts_first(doc, "findings") for doc in data["documents"]]
    return _counts_first(data, "documents")


def render_json(result: RunResult) -> bytes:
    return (json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


RENDERER = Renderer("json", "report.json", render_json, "canonical machine-readable result", "application/json")
