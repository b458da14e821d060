"""The canonical, schema-versioned JSON report: `RunResult.model_dump(mode="json")` with stable layout.

Keys follow the model, except that the computed `counts` sit right before the list they summarise
(`documents`, and each document's and vendor's `findings`) so a reader sees the totals first.

`RunResult.model_validate` ignores the computed `counts` on input; `loads` (or `termsgap.report.read_json`) also
checks the schema version and that the counts agree with the findings.
"""
from __future__ import annotations

import json
from typing import Any

from termsgap.models import SCHEMA_VERSION, RunResult
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
    data["vendors"] = [_counts_first(v, "findings") for v in data["vendors"]]
    return _counts_first(data, "documents")


def render_json(result: RunResult) -> bytes:
    """`to_dict(result)` as indented JSON, written one document and one vendor at a time: the same text as
    dumping the whole dict, without ever holding all of it as Python objects (thousands of documents)."""
    def dump(obj, indent: int) -> bytes:
        return json.dumps(obj, indent=2, ensure_ascii=False).replace("\n", "\n" + " " * indent).encode("utf-8")

    head = _counts_first(result.model_dump(mode="json", exclude={"documents", "vendors"}) | {"documents": None},
                         "documents")
    del head["documents"]
    out = [dump(head, 0)[:-2]]  # without the closing "\n}"
    for key, items in (("documents", result.documents), ("vendors", result.vendors)):
        out.append(f',\n  "{key}": '.encode())
        if not items:
            out.append(b"[]")
            continue
        out.append(b"[\n    ")
        for i, item in enumerate(items):
            out.append((b",\n    " if i else b"") + dump(_counts_first(item.model_dump(mode="json"), "findings"), 4))
        out.append(b"\n  ]")
    out.append(b"\n}\n")
    return b"".join(out)


RENDERER = Renderer("json", "report.json", render_json, "canonical machine-readable result", "application/json")


class ReportFormatError(ValueError):
    """A JSON report this version cannot read: other schema major version, or counts that contradict findings."""


def _major(version: str) -> str:
    return str(version).split(".", 1)[0]


def from_dict(data: dict[str, Any]) -> RunResult:
    """Validate a canonical JSON report back into a `RunResult`.

    The computed `counts` are dropped before validation and checked against the recomputed ones, so a
    hand-edited total is caught rather than silently trusted.
    """
    version = str(data.get("schema_version", ""))
    if _major(version) != _major(SCHEMA_VERSION):
        raise ReportFormatError(f"report schema {version or '(missing)'} is not readable by schema {SCHEMA_VERSION}")
    stated = {"run": data.get("counts")}
    clean = {k: v for k, v in data.items() if k != "counts"}
    docs = []
    for i, doc in enumerate(data.get("documents", [])):
        stated[f"document {i + 1}"] = doc.get("counts") if isinstance(doc, dict) else None
        docs.append({k: v for k, v in doc.items() if k != "counts"} if isinstance(doc, dict) else doc)
    clean["documents"] = docs
    result = RunResult.model_validate(clean)
    actual = {"run": result.counts} | {f"document {i + 1}": d.counts for i, d in enumerate(result.documents)}
    for where, counts in stated.items():
        if counts is not None and counts != actual[where]:
            raise ReportFormatError(f"{where}: counts {counts} do not match the findings {actual[where]}")
    return result


def loads(text: str | bytes) -> RunResult:
    """Parse the text of a `report.json`."""
    return from_dict(json.loads(text))
