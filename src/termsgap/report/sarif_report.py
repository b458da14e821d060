"""SARIF 2.1.0 report (`report.sarif`): the findings that need action, for code-scanning and review tools.

One run; `tool.driver` is termsgap with one rule per checklist question (rule id = question ID, short description =
the question, help = the policy's remediation). One result per finding whose verdict is gap (level `error`),
partial (`warning`) or review (`note`); compliant, not-addressed and waived findings are not results.

Locations: the document as given to `scan` (a relative path stays relative, an absolute one is a `file:` URI).
A page is not a SARIF line, so where a quote has a source line (text, Markdown) the region is that line with the
quote as its snippet; otherwise (PDF, DOCX, HTML) the location names the document only and its message gives the
page, section and quote. Each location's `properties` hold `page`, `line`, `section`, `clause`, `quote` and
`extractedText` (the character span in the text `termsgap extract FILE` prints: offsets into the extracted text,
not the file, so they are not a SARIF `charOffset`). `partialFingerprints["termsgapFinding/v1"]` is the finding's
stable fingerprint (question + normalised evidence text, as history and waivers use), so a reflowed or renumbered
clause is the same result. An unreadable document is an error `toolExecutionNotification` and makes the
invocation unsuccessful; a document's warnings are warning notifications.
"""
from __future__ import annotations

import json
import re
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from termsgap.models import DocumentResult, Evidence, Finding, RunResult, Verdict
from termsgap.report import Renderer

from . import _format as fmt

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#: verdicts that become results, and their SARIF level
LEVELS = {Verdict.GAP: "error", Verdict.PARTIAL: "warning", Verdict.REVIEW: "note"}
FINGERPRINT_KEY = "termsgapFinding/v1"

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def artifact_uri(source: str) -> str:
    """A document's path as a URI reference: relative paths stay relative, absolute ones become `file:` URIs."""
    if _URL.match(source):
        return quote(source, safe=":/?#[]@!$&'()*+,;=%~")
    path = PurePath(source)
    if path.is_absolute():
        return path.as_uri()
    return quote(path.as_posix(), safe="/")


def _rule_name(question: str) -> str:
    """'training.customer-content' -> 'TrainingCustomerContent' (SARIF wants an identifier, not a sentence)."""
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", question) if w)


def _rules(result: RunResult) -> list[dict[str, Any]]:
    """One rule per question, in checklist order, described by the titles and remediation the findings carry."""
    by_id: dict[str, dict[str, str]] = {}
    for _, _, f in fmt.iter_findings(result):
        known = by_id.setdefault(f.question, {"title": "", "remediation": ""})
        known["title"] = known["title"] or f.title
        known["remediation"] = known["remediation"] or f.remediation
    rules = []
    for question, known in by_id.items():
        title = known["title"] or question
        help_text = known["remediation"] or f"Check what the terms say about: {title}"
        rules.append({"id": question, "name": _rule_name(question),
                      "shortDescription": {"text": title},
                      "fullDescription": {"text": f"Checklist question {question}: {title}"},
                      "help": {"text": help_text},
                      "properties": {"tags": ["termsgap", question.split(".", 1)[0]]}})
    return rules


def _location(doc_index: int, d: DocumentResult, e: Evidence | None, label: str = "") -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(d.source), "index": doc_index}}
    loc: dict[str, Any] = {"physicalLocation": physical}
    if e is None:
        return loc
    if e.line is not None:
        physical["region"] = {"startLine": e.line, "snippet": {"text": e.quote}}
    where = fmt.locator(e)
    loc["message"] = {"text": f"{label}{where + ': ' if where else ''}“{e.quote}”"}
    props: dict[str, Any] = {"quote": e.quote}
    for key in ("page", "line", "section", "clause"):
        if getattr(e, key) not in (None, ""):
            props[key] = getattr(e, key)
    if e.end > e.start:
        props["extractedText"] = {"charOffset": e.start, "charLength": e.end - e.start}
    loc["properties"] = props
    return loc


def _message(f: Finding) -> str:
    about = f" ({f.title})" if f.title else ""
    parts = [f"{fmt.verdict_label(f.verdict)} on {f.question}{about}: the terms answer {fmt.answer_phrase(f)}, "
             f"confidence {fmt.confidence_text(f.confidence)}.",
             f"Why: {f.rationale}" if f.rationale else "",
             f"Action: {f.remediation}" if f.remediation else "",
             fmt.waiver_text(f)]
    return " ".join(p for p in parts if p)


def _result(doc_index: int, d: DocumentResult, f: Finding, rule_index: int) -> dict[str, Any]:
    evidence = [(e, "") for e in f.evidence] + [(e, f"[{s.scope}] ") for s in f.scoped for e in s.evidence]
    related = [_location(doc_index, d, e, label) for e, label in evidence[1:]]
    related += [_location(doc_index, d, e, "closest sentence (not evidence): ") for e in f.candidates]
    for i, loc in enumerate(related, 1):
        loc["id"] = i
    out: dict[str, Any] = {
        "ruleId": f.question, "ruleIndex": rule_index, "kind": "fail", "level": LEVELS[f.verdict],
        "message": {"text": _message(f)},
        "locations": [_location(doc_index, d, *evidence[0]) if evidence else _location(doc_index, d, None)],
    }
    if related:
        out["relatedLocations"] = related
    out["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
    props: dict[str, Any] = {"verdict": f.verdict.value, "answer": f.answer, "confidence": f.confidence}
    if f.value is not None:
        props["value"] = f.value
    if f.scoped:
        props["scoped"] = [{"scope": s.scope, "answer": s.answer, "value": s.value} for s in f.scoped]
    out["properties"] = props
    return out


def _notifications(result: RunResult) -> list[dict[str, Any]]:
    out = []
    for i, d in enumerate(result.documents):
        problems = [("error", d.error or "error")] if d.status == "error" else []
        problems += [("warning", w) for w in d.warnings]
        for level, text in problems:
            out.append({"level": level, "message": {"text": f"{d.source}: {text}"},
                        "locations": [_location(i, d, None)],
                        "descriptor": {"id": "unreadable-document" if level == "error" else "document-warning"}})
    return out


def to_dict(result: RunResult) -> dict[str, Any]:
    rules = _rules(result)
    rule_index = {r["id"]: i for i, r in enumerate(rules)}
    artifacts = []
    for d in result.documents:
        artifact: dict[str, Any] = {"location": {"uri": artifact_uri(d.source)}, "roles": ["analysisTarget"]}
        if d.sha256:
            artifact["hashes"] = {"sha-256": d.sha256}
        artifacts.append(artifact)
    results = [_result(i, d, f, rule_index[f.question])
               for i, d, f in fmt.iter_findings(result) if f.verdict in LEVELS]
    invocation: dict[str, Any] = {"executionSuccessful": not result.has_error}
    notifications = _notifications(result)
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run = {
        "tool": {"driver": {"name": result.tool.name, "version": result.tool.version, "rules": rules}},
        "invocations": [invocation],
        "artifacts": artifacts,
        "results": results,
        "properties": {"vendor": result.vendor, "policy": {"name": result.policy.name,
                                                           "version": result.policy.version},
                       "created": result.created, "reportSchemaVersion": result.schema_version,
                       "counts": result.counts},
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(result: RunResult) -> bytes:
    return (json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


RENDERER = Renderer("sarif", "report.sarif", render_sarif, "SARIF 2.1.0 for code-scanning tools",
                    "application/sarif+json")
