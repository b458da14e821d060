"""The terminal summary of a run: what to act on, per vendor and document, fitted to the terminal.

    termsgap 0.1.0 · policy default 1 · 2 documents · 2025-06-01T10:00:00+00:00
    gap 2 · review 1 · partial 1 · not-addressed 3 · waived 1 · compliant 30
    gap: breaks the policy · review: needs a person · partial: partly met · not-addressed: terms silent

    Acme
      contracts/acme-dpa.pdf  gap 2 · review 1
        gap     training.customer-content  yes             p. 4, clause 3.2  “Acme may use Customer Content to…”
        review  retention.prompts-outputs  days (90 days)  5. Retention      “Prompts are kept for 90 days…”

    reports in reports/acme: report.json, report.html, report.pdf
    open reports/acme/report.html

Rows never wrap: the answer, place and quote columns are cut with an ellipsis to fit the width (at least
MIN_WIDTH), and the quote is left out where there is no room for it. Verdicts are coloured only when asked
(`color=True`; the CLI asks on a terminal without NO_COLOR, see `want_color`).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import IO, Iterable, Sequence

import click

from ..models import VERDICT_ORDER, DocumentResult, Finding, RunResult, Verdict
from . import _format as fmt

#: narrower terminals are laid out as if they had this many columns
MIN_WIDTH = 60
#: verdict -> click.style arguments
COLOURS = {
    Verdict.GAP: {"fg": "red", "bold": True},
    Verdict.REVIEW: {"fg": "magenta", "bold": True},
    Verdict.PARTIAL: {"fg": "yellow"},
    Verdict.NOT_ADDRESSED: {"fg": "cyan"},
    Verdict.WAIVED: {"fg": "blue"},
    Verdict.COMPLIANT: {"fg": "green"},
}
LEGEND = {
    Verdict.GAP: "breaks the policy",
    Verdict.REVIEW: "needs a person",
    Verdict.PARTIAL: "partly met",
    Verdict.NOT_ADDRESSED: "terms silent",
    Verdict.WAIVED: "accepted by a waiver",
    Verdict.COMPLIANT: "meets the policy",
}
#: which written report a person should open first (by format name)
OPEN_FIRST = ("html", "pdf", "md", "json")
SEP = "  "
#: on a narrow terminal the place column gets this many characters before the answer column
PLACE_FIRST = 18
#: a quote narrower than this is left out
MIN_QUOTE = 20
ELLIPSIS = "…"


def terminal_width() -> int:
    """COLUMNS, else the terminal's width, else 80; never under MIN_WIDTH."""
    return max(MIN_WIDTH, shutil.get_terminal_size((80, 24)).columns)


def want_color(stream: IO) -> bool:
    """Colour on a terminal, none when piped or when NO_COLOR is set to anything (https://no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


def clip(text: str, width: int) -> str:
    """`text` in at most `width` characters, cut with an ellipsis."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: width - 1] + ELLIPSIS


def _paint(verdict: Verdict, text: str, color: bool) -> str:
    return click.style(text, **COLOURS[verdict]) if color else text


def _row(f: Finding) -> tuple[str, str, str, str, str]:
    answer = "not addressed" if f.answer == "not-addressed" else fmt.answer_text(f.question, f.answer, f.value)
    ev = f.evidence[0] if f.evidence else None
    tier = f.deciding
    if tier is not None:  # the verdict comes from a tier's reading: show that reading and its clause
        answer = fmt.answer_text(f.question, tier.answer, tier.value, tier.scope)
        ev = tier.evidence[0] if tier.evidence else ev
    quote = f"“{' '.join(ev.quote.split())}”" if ev else ""
    return f.verdict.value, f.question, answer, fmt.place(ev), quote


def _widths(rows: list[tuple[str, ...]], room: int) -> list[int]:
    """Column widths for verdict, question, answer, place, quote within `room` characters (separators included):
    answer and place as wide as they need (up to a cap) with the quote in what is left; narrower answer and place
    to make room for a quote of MIN_QUOTE characters; else no quote, the place first, then the answer."""
    nat = [max((len(r[i]) for r in rows), default=0) for i in range(5)]
    wv, wq = nat[0], nat[1]
    rest = room - wv - wq - 2 * len(SEP)  # for answer, place and quote
    if rest < 22:  # a narrow terminal: a long question ID gives way before the answer and place vanish
        wq, rest = max(8, wq - (22 - rest)), 22
    for wa, wp in ((min(nat[2], 24), min(nat[3], 24)),
                   (min(nat[2], max(12, rest // 4)), min(nat[3], max(PLACE_FIRST, rest // 4)))):
        we = min(nat[4], rest - wa - wp - 2 * len(SEP))
        if we >= min(MIN_QUOTE, nat[4]):
            return [wv, wq, wa, wp, we]
    spare = rest - len(SEP)
    wp = min(nat[3], max(spare - nat[2], min(PLACE_FIRST, spare - 8)))
    wa = min(nat[2], spare - wp)
    return [wv, wq, wa, min(nat[3], spare - wa), 0]


def _document_line(d: DocumentResult, findings: list[Finding], width: int) -> str:
    """The document's name, then what its clauses decide to act on (or why it could not be read), cut to
    `width`: the name keeps its end (the file name), the rest is cut first."""
    if len(d.source) > width:
        return ELLIPSIS + d.source[len(d.source) - width + 1:]
    if d.status == "error":
        about = f"error: {d.error or 'cannot be read'}"
    else:
        counts = {v: sum(1 for f in findings if f.verdict == v) for v in fmt.TERMINAL_LISTED}
        listed = [f"{v.value} {n}" for v, n in counts.items() if n]
        about = " · ".join(listed) if listed else "nothing to act on"
    room = width - len(d.source) - len(SEP)
    return d.source + (SEP + clip(about, room) if room >= 8 else "")


def _fitted(pieces: list[tuple[Verdict, str]], width: int, color: bool) -> str:
    """'gap 3 · review 1 · ...' in `width`: whole pieces (each starting with its verdict, painted), as many as fit."""
    out, used = [], 0
    for v, piece in pieces:
        extra = len(piece) + (3 if out else 0)
        if used + extra > width:
            break
        out.append(_paint(v, v.value, color) + piece[len(v.value):])
        used += extra
    return " · ".join(out)


def reports_lines(paths: Sequence[Path]) -> list[str]:
    """Where the reports are, and which one to open."""
    from . import RENDERERS

    paths = [Path(p) for p in paths]
    if not paths:
        return []
    folders = {p.parent for p in paths}
    if len(folders) == 1:
        lines = [f"reports in {paths[0].parent}: " + ", ".join(p.name for p in paths)]
    else:
        lines = ["reports: " + ", ".join(str(p) for p in paths)]
    by_name = {p.name: p for p in paths}
    for name in OPEN_FIRST:
        r = RENDERERS.get(name)
        if r is not None and r.filename in by_name:
            lines.append(f"open {by_name[r.filename]}")
            break
    return lines


def summary_text(result: RunResult, *, width: int | None = None, color: bool = False, quiet: bool = False,
                 reports: Iterable[Path] = ()) -> str:
    """The terminal summary: header, counts and legend, then per vendor and document the findings to act on
    (gap, review, partial; worst first), then where the reports are. `quiet`: the findings only."""
    from ..vendors import complete

    result = complete(result)
    width = max(MIN_WIDTH, width or terminal_width())
    lines: list[str] = []
    if not quiet:
        n_docs, n_vendors = len(result.documents), len(result.vendors)
        head = [f"{result.tool.name} {result.tool.version}", f"policy {result.policy.name} {result.policy.version}",
                f"{n_vendors} vendor{'s' if n_vendors != 1 else ''}", f"{n_docs} document{'s' if n_docs != 1 else ''}",
                result.created]
        lines.append(clip(" · ".join(head), width))
        counts = [(v, f"{v.value} {result.counts[v.value]}") for v in VERDICT_ORDER]
        if len(" · ".join(c for _, c in counts)) > width:  # a narrow terminal: the verdicts nothing has go first
            counts = [(v, c) for v, c in counts if result.counts[v.value]]
        lines.append(_fitted(counts, width, color))
        if result.skipped:
            n = len(result.skipped)
            lines.append(clip(f"{n} question{'s' if n != 1 else ''} skipped: " + ", ".join(result.skipped), width))
        lines.append(_fitted([(v, f"{v.value}: {LEGEND[v]}") for v in VERDICT_ORDER], width, color))

    # per vendor, the documents whose clauses decide its answers, each with the findings to act on
    groups = []  # (vendor name, document, findings)
    by_source = {d.source: d for d in result.documents}
    for vendor in result.vendors:
        deciding: dict[str, list[Finding]] = {}
        for vf in vendor.findings:
            if vf.finding.verdict in fmt.TERMINAL_LISTED:
                deciding.setdefault(vf.source, []).append(vf.finding)
        listed = [d for d in vendor.documents if d.source in deciding or d.status == "error"]
        for vd in listed:
            findings = sorted(deciding.get(vd.source, []), key=lambda f: fmt.verdict_rank(f.verdict))
            groups.append((vendor.name, by_source.get(vd.source), findings))
    if quiet:
        groups = [g for g in groups if g[2]]
    all_rows = [_row(f) for _, _, findings in groups for f in findings]
    vendor_indent = 0 if quiet else 2
    row_indent = vendor_indent + 2
    widths = _widths(all_rows, width - row_indent)

    if groups and not quiet:
        lines.append("")
    shown = None
    for name, d, findings in groups:
        if vendor_indent and name != shown:
            lines.append(clip(name, width))
            shown = name
        if d is not None:
            lines.append(" " * vendor_indent + _document_line(d, findings, width - vendor_indent))
        for f in findings:
            cells = [clip(c, w).ljust(w) for c, w in zip(_row(f), widths) if w]
            cells[0] = _paint(f.verdict, cells[0], color)
            lines.append((" " * row_indent + SEP.join(cells)).rstrip())
    if not quiet and reports:
        lines.append("")
        lines += reports_lines(list(reports))
    return "\n".join(lines)
