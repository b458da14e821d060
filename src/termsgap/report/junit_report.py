"""JUnit XML report (`report.junit.xml`): the checklist as test results, for CI test views.

A `testsuite` per document and a `testcase` per question (`classname` = the document, `name` = question ID and
question). The outcomes follow the exit code of `scan` (a gap fails it, an unreadable document is an error):

- gap: `<failure type="gap">`, message = the answer and why, text = the evidence with its places and the action;
- review, partial, waived: `<skipped>` with the verdict and the reason as its message, details in `<system-out>`:
  shown apart from the passed tests without failing the build (a review needs a person, a partial answer is a
  known shortfall, a waiver an accepted one);
- compliant, not-addressed: passed;
- an unreadable document: one testcase `read document` with `<error type="unreadable">`.

Built with `xml.etree` (every text and attribute escaped); characters XML 1.0 cannot carry (control characters
from a damaged document) are dropped.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from termsgap.models import DocumentResult, Finding, RunResult, Verdict
from termsgap.report import Renderer

from . import _format as fmt

FAILED = (Verdict.GAP,)
SKIPPED = (Verdict.REVIEW, Verdict.PARTIAL, Verdict.WAIVED)

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: object) -> str:
    return _NOT_XML.sub("", str(text))


def _details(f: Finding) -> str:
    """Evidence with its places, then the action: the body of a failure or a skipped test's output."""
    lines = [f"{fmt.locator(e) or 'location not recorded'}: “{e.quote}”" for e in f.evidence]
    lines += [f"[{s.scope}] {fmt.locator(e) or 'location not recorded'}: “{e.quote}”"
              for s in f.scoped for e in s.evidence]
    if f.remediation and f.verdict in fmt.REMEDIATE:
        lines.append(f"Action: {f.remediation}")
    lines.append(fmt.waiver_text(f))
    return "\n".join(line for line in lines if line)


def _testcase(suite: ET.Element, d: DocumentResult, f: Finding) -> None:
    name = f"{f.question} — {f.title}" if f.title else f.question
    case = ET.SubElement(suite, "testcase", classname=_x(d.source), name=_x(name), time="0")
    reason = fmt.answer_phrase(f) + (f": {f.rationale}" if f.rationale else "")
    if f.verdict in FAILED:
        failure = ET.SubElement(case, "failure", type=f.verdict.value, message=_x(reason))
        failure.text = _x(_details(f))
    elif f.verdict in SKIPPED:
        ET.SubElement(case, "skipped", message=_x(f"{f.verdict.value}: {reason}"))
        details = _details(f)
        if details:
            ET.SubElement(case, "system-out").text = _x(details)


def _suite(root: ET.Element, result: RunResult, d: DocumentResult) -> dict[str, int]:
    suite = ET.SubElement(root, "testsuite", name=_x(d.source))
    props = ET.SubElement(suite, "properties")
    for key, value in (("vendor", result.vendor or ""), ("policy", f"{result.policy.name} {result.policy.version}"),
                       ("sha256", d.sha256), ("pages", d.pages)):
        ET.SubElement(props, "property", name=key, value=_x(value))
    if d.status == "error":
        case = ET.SubElement(suite, "testcase", classname=_x(d.source), name="read document", time="0")
        ET.SubElement(case, "error", type="unreadable", message=_x(d.error or "error"))
        counts = {"tests": 1, "failures": 0, "errors": 1, "skipped": 0}
    else:
        for f in d.findings:
            _testcase(suite, d, f)
        counts = {"tests": len(d.findings), "failures": sum(f.verdict in FAILED for f in d.findings),
                  "errors": 0, "skipped": sum(f.verdict in SKIPPED for f in d.findings)}
    for key, n in counts.items():
        suite.set(key, str(n))
    suite.set("time", "0")
    return counts


def render_junit(result: RunResult) -> bytes:
    root = ET.Element("testsuites", name=_x(f"{result.tool.name}: {result.vendor or 'vendor terms'}"))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for d in result.documents:
        for key, n in _suite(root, result, d).items():
            totals[key] += n
    for key, n in totals.items():
        root.set(key, str(n))
    root.set("time", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


RENDERER = Renderer("junit", "report.junit.xml", render_junit, "JUnit XML for CI test views", "application/xml")
