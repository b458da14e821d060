"""Markdown report (`report.md`): the same content as the HTML report, for pull requests, tickets and wikis.

Optional format (not written by default). Every piece of document text is escaped, so a quote can neither
break a table nor inject HTML into a Markdown viewer.
"""
from __future__ import annotations

import re

from termsgap.models import VERDICT_ORDER, Evidence, Finding, RunResult, Verdict
from termsgap.report import Renderer

from . import _format as fmt

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(text: object) -> str:
    """Escape text for inline Markdown (table cells, quotes, list items): one line, no markup, no HTML."""
    s = " ".join(str(text).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _SPECIAL.sub(r"\\\1", s)
    if s[:1] in "#+-=" and s:  # would start a heading or list where it opens a block
        s = "\\" + s
    return s


def code(text: object) -> str:
    """An inline code span (IDs, paths): no escaping needed inside, except the table-cell pipe."""
    s = " ".join(str(text).split()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", s)), default=0)
    if not longest:
        return f"`{s}`"
    fence = "`" * (longest + 1)  # a fence longer than any backtick run inside: the span cannot be closed early
    return f"{fence} {s} {fence}"


def _answer(f: Finding) -> str:
    if f.answer == "not-addressed":
        return "_not addressed_"
    return md(fmt.answer_text(f.question, f.answer, f.value))


def _quote(e: Evidence, scope: str = "") -> list[str]:
    tag = f"**[{md(scope)}]** " if scope else ""
    return [f"> {tag}{md(e.quote)}", ">", f"> — {md(fmt.locator(e) or 'location not recorded')}", ""]


def _verdict(v: Verdict) -> str:
    return f"**{v.value}**" if v in (Verdict.GAP, Verdict.REVIEW) else v.value


def render_markdown_text(result: RunResult) -> str:
    r = result
    multi = len(r.documents) > 1
    out: list[str] = [f"# {md(r.vendor or 'Vendor terms')} — data-handling terms review", ""]
    out += ["| | |", "|---|---|",
            f"| Vendor | {md(r.vendor or 'not stated')} |",
            f"| Documents | {', '.join(code(d.source) for d in r.documents) or 'none'} |",
            f"| Date | {md(r.created)} |",
            f"| Policy | {md(r.policy.name)} v{md(r.policy.version)} |",
            f"| Tool | {md(r.tool.name)} v{md(r.tool.version)} · report schema {md(r.schema_version)} |"]
    if r.skipped:
        out.append(f"| Not checked | {len(r.skipped)} question{'s' if len(r.skipped) != 1 else ''} left out of this "
                   f"report: {', '.join(code(q) for q in r.skipped)} |")
    out.append("")

    out += ["## Executive summary", "",
            " · ".join(_verdict(v) + f" {r.counts[v.value]}" for v in VERDICT_ORDER), ""]
    for d in r.documents:
        if d.status == "error":
            out += [f"> **Error** {code(d.source)}: {md(d.error or 'error')}", ""]

    out += ["### Needs attention (worst first: gap, review, partial)", ""]
    attention = fmt.worst_first(r, fmt.TERMINAL_LISTED)
    if attention:
        out += ["| Verdict | Question | Answer | Where |" + (" Document |" if multi else ""),
                "|---|---|---|---|" + ("---|" if multi else "")]
        for i, d, f in attention:
            where = md(fmt.locator(f.evidence[0])) if f.evidence else "—"
            row = f"| {_verdict(f.verdict)} | {code(f.question)} {md(f.title)} | {_answer(f)} | {where} |"
            out.append(row + (f" {i + 1} · {code(d.source)} |" if multi else ""))
        out.append("")
    else:
        out += ["No gaps, reviews or partial answers.", ""]
    not_addressed = [(n, d, [f for f in d.findings if f.verdict == Verdict.NOT_ADDRESSED])
                     for n, d in enumerate(r.documents, 1)]
    not_addressed = [x for x in not_addressed if x[2]]
    if not_addressed:
        out += ["Not addressed by the terms:", ""]
        for n, d, fs in not_addressed:
            src = f"{n} · {code(d.source)}: " if multi else ""
            out.append(f"- {src}" + ", ".join(f"{code(f.question)}" for f in fs))
        out.append("")

    waivers = [(d, f) for _, d, f in fmt.iter_findings(r) if f.waiver is not None or f.waiver_note]
    if waivers:
        out += ["### Waivers", ""]
        for d, f in waivers:
            src = f" ({code(d.source)})" if multi else ""
            out.append(f"- {code(f.question)} {f.verdict.value}: {md(fmt.waiver_text(f))}{src}")
        out.append("")

    for n, d in enumerate(r.documents, 1):
        out += [f"## Document {n}: {code(d.source)}", ""]
        meta = []
        if d.sha256:
            meta.append(f"SHA-256 `{d.sha256}`")
        if d.pages:
            meta.append(f"{d.pages} page{'s' if d.pages != 1 else ''}")
        if d.status == "ok":
            meta.append(", ".join(f"{d.counts[v.value]} {v.value}" for v in VERDICT_ORDER if d.counts[v.value]))
        if any(meta):
            out += [" · ".join(m for m in meta if m), ""]
        if d.status == "error":
            out += [f"> **Error** {code(d.source)}: {md(d.error or 'error')}", ""]
        out += [f"- Warning: {md(w)}" for w in d.warnings] + ([""] if d.warnings else [])
        if not d.findings:
            continue
        out += ["| Question | Answer | Verdict | Confidence |", "|---|---|---|---|"]
        for f in d.findings:
            scoped = "".join(f"<br>{md(fmt.answer_text(f.question, s.answer, s.value, s.scope))}" for s in f.scoped)
            out.append(f"| {code(f.question)} {md(f.title)} | {_answer(f)}{scoped} | {_verdict(f.verdict)} | "
                       f"{fmt.confidence_text(f.confidence)} |")
        out.append("")
        for f in d.findings:
            out += [f"### {code(f.question)}" + (f" — {md(f.title)}" if f.title else ""), "",
                    f"{_verdict(f.verdict)} · {_answer(f)} · confidence {fmt.confidence_text(f.confidence)}", ""]
            for e in f.evidence:
                out += _quote(e)
            for s in f.scoped:
                for e in s.evidence:
                    out += _quote(e, s.scope)
            if not f.evidence and not any(s.evidence for s in f.scoped):
                out += ["_No text in the document answers this question" + ("; the sentences that came closest:_"
                                                                            if f.candidates else "._"), ""]
                for e in f.candidates:
                    out += _quote(e)
            if f.scoped:
                out += [f"- Scoped: {md(fmt.answer_text(f.question, s.answer, s.value, s.scope))}" for s in f.scoped]
                out.append("")
            if f.rationale:
                out += [f"Why: {md(f.rationale)}", ""]
            if f.remediation and f.verdict in fmt.REMEDIATE:
                out += [f"**Action:** {md(f.remediation)}", ""]
            if f.waiver is not None or f.waiver_note:
                out += [f"**Waiver:** {md(fmt.waiver_text(f))}", ""]
    out += [f"_Generated by {md(r.tool.name)} {md(r.tool.version)} on {md(r.created)}._", ""]
    return "\n".join(out)


def render_markdown(result: RunResult) -> bytes:
    return render_markdown_text(result).encode("utf-8")


RENDERER = Renderer("md", "report.md", render_markdown, "Markdown report", "text/markdown")
