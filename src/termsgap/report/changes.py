"""Change reports (termsgap.history.diff.ChangeReport): terminal text, canonical JSON, self-contained HTML.

    from termsgap.report.changes import change_text, write_change_reports
    print(change_text(report))
    write_change_reports(report, Path("out"))      # changes.json, changes.html

The JSON is `ChangeReport.model_dump(mode="json")` (schema_version inside); the HTML inlines its stylesheet
(no external CSS, scripts, fonts or images) and escapes everything.

Vendor text (clauses, quotes, error messages from servers, file names) cannot spoof a change: HTML marks the
words of a reworded clause with <del>/<ins> around escaped text; the terminal marks them `[-removed-]` and
`{+added+}` and backslash-escapes whatever in the vendor's words could read as such a marker, and shows control
characters (escape sequences, line breaks, bidirectional overrides) as `\x1b`-style escapes, so a vendor cannot
forge, recolour or reorder a line.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from termsgap.history.diff import ChangeReport, ClauseChange, DeltaPart, DocumentChange, FactChange

from ..atomic import atomic_write

FORMATS = {"json": "changes.json", "html": "changes.html", "text": "changes.txt"}
TERMINAL_CLAUSES = 6
_WIDTH = 110


def _short(text: str, width: int = _WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _where(c: ClauseChange) -> str:
    ref = c.after or c.before
    if ref is None:
        return ""
    return f"§{ref.clause}" if ref.clause else (f"p.{ref.page}" if ref.page else (f"l.{ref.line}" if ref.line else ""))


# in the vendor's words: a backslash, anything that would open or close a marker, and a bracket or brace at
# either end (it would join the marker around the words)
_MARKER_LIKE = re.compile(r"\\|\[(?=-)|(?<=-)\]|\{(?=\+)|(?<=\+)\}|^[\]}]|[\[{]$")
_MARKS = {"same": ("", ""), "removed": ("[-", "-]"), "added": ("{+", "+}")}


def _unmarked(text: str) -> str:
    return _MARKER_LIKE.sub(lambda m: "\\" + m.group(0), text)


def delta_text(delta: Iterable[DeltaPart]) -> str:
    """`… the [-later-] {+earlier+} of …`; a marker in the text is only ever one of ours."""
    return " ".join(_MARKS[p.op][0] + _unmarked(p.text) + _MARKS[p.op][1] for p in delta)


# C0/C1 controls, DEL, bidirectional embeddings, overrides and isolates, line and paragraph separators
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def terminal_safe(line: str) -> str:
    """A line as the terminal may show it: no control character of the vendor's is interpreted."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], line)


def clause_line(c: ClauseChange) -> str:
    mark = {"added": "+", "removed": "-", "reworded": "~"}[c.kind]
    where = _where(c)
    body = delta_text(c.delta) if c.kind == "reworded" else _unmarked((c.after or c.before).text)
    tags = f" [{', '.join(c.questions)}]" if c.questions else ""
    return f"{mark} {c.kind} {where + ' ' if where else ''}\"{_short(body, _WIDTH - 20)}\"{tags}"


def terminal_clauses(d: DocumentChange) -> list[ClauseChange]:
    """Clause changes worth a line first: evidence of a changed fact, then of any question, then the rest."""
    changed = {f.question for f in d.facts if f.kind != "evidence"}

    def rank(item):
        i, c = item
        return (0 if changed & set(c.questions) else 1 if c.questions else 2, i)
    return [c for _, c in sorted(enumerate(d.clauses), key=rank)]


def outcome_text(report: ChangeReport, fail_on: Optional[str] = "changed") -> str:
    """What happened, in words, with the exit code for the terminal (`fail_on` None: no exit code, for people)."""
    if report.before is None:
        n = sum(len(d.fact_changes) for d in report.documents)
        what = "first check (the baseline for the next)" + (f": {n} finding{'s' if n != 1 else ''} to act on now"
                                                            if n else "")
    elif report.worse:
        what = "terms changed, a verdict got worse"
    elif report.changed:
        what = "terms changed, no verdict got worse"
    elif report.verdicts_changed:
        what = "terms unchanged, verdicts changed (policy or waivers)"
    else:
        what = "no semantic change"
    if report.errors:
        what += f"; {report.errors} source{'s' if report.errors > 1 else ''} could not be read"
    return what if fail_on is None else f"{what} (exit {report.exit_code(fail_on)})"


def worse_first(facts: Iterable[FactChange]) -> list[FactChange]:
    return sorted(facts, key=lambda f: not f.worse)


def _fact_lines(facts: Iterable[FactChange]) -> list[str]:
    out = []
    for f in worse_first(facts):
        out.append("    " + f.line + ("   WORSE" if f.worse else ""))
        for label, s in (("was", f.before), ("now", f.after)):
            if s is not None and s.evidence and f.kind != "verdict":
                where = f" ({s.where[0]})" if s.where and s.where[0] else ""
                more = f" +{len(s.evidence) - 1}" if len(s.evidence) > 1 else ""
                out.append(f"      {label}: \"{_short(s.evidence[0], _WIDTH - 30)}\"{where}{more}")
        if f.after is not None and f.after.waiver_note and f.after.waiver_note != (f.before.waiver_note if f.before
                                                                                   else ""):
            out.append("      waiver: " + f.after.waiver_note)
    return out


def document_text(d: DocumentChange) -> list[str]:
    name = d.source
    if d.status == "error":
        return [f"{name}: could not be read: {d.error}"]
    if d.status == "removed":
        return [f"{name}: document removed"]
    if d.status == "added":
        return [f"{name}: document added" + (", to act on now:" if d.fact_changes else "")] + _fact_lines(d.fact_changes)
    head = f"{name}: {'changed' if d.status == 'changed' else 'no semantic change'}"
    if d.sha_before == d.sha_after:
        head += " (same document)"
    elif d.clauses or d.reflowed:
        head += (f" · clauses {d.clause_count('added')} added, {d.clause_count('removed')} removed, "
                 f"{d.clause_count('reworded')} reworded")
        if d.reflowed:
            head += f" ({d.reflowed} renumbered or reflowed only)"
    lines = [head]
    if d.fact_changes:
        lines.append("  facts changed:")
        lines += _fact_lines(d.fact_changes)
    if d.verdict_changes:
        lines.append("  verdicts changed (same answer):")
        lines += _fact_lines(d.verdict_changes)
    if d.evidence_changes:
        lines.append("  evidence reworded (same answer): " + ", ".join(f.question for f in d.evidence_changes))
    if d.clauses:
        lines.append("  clauses:")
        lines += ["    " + clause_line(c) for c in terminal_clauses(d)[:TERMINAL_CLAUSES]]
        if len(d.clauses) > TERMINAL_CLAUSES:
            lines.append(f"    … and {len(d.clauses) - TERMINAL_CLAUSES} more clause changes (see changes.html)")
    return lines


def change_text(report: ChangeReport, fail_on: str = "changed") -> str:
    """The terminal summary of one vendor's change report."""
    before = f"run {report.before.id} ({report.before.created})" if report.before else "no earlier run"
    after = f"run {report.after.id} ({report.after.created})" if report.after.id is not None else report.after.created
    lines = [f"{report.vendor or 'no vendor'} · {before} → {after} · policy {report.after.policy}"]
    for d in report.documents:
        lines += document_text(d)
    lines.append("result: " + outcome_text(report, fail_on))
    return "\n".join(terminal_safe(line) for line in lines)


def render_json(report: ChangeReport) -> bytes:
    return (report.model_dump_json(indent=2) + "\n").encode("utf-8")


@lru_cache(maxsize=1)
def _template():
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("termsgap.report", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(state_text=__import__("termsgap.history.diff", fromlist=["state_text"]).state_text)
    return env.get_template("changes.html.j2")


def _delta_html(delta: Iterable[DeltaPart], show: tuple[str, ...] = ("same", "removed", "added")):
    """Removed words in <del>, added in <ins>, the text of every part escaped; `show` picks the kinds shown."""
    from markupsafe import Markup, escape

    tags = {"same": ("", ""), "removed": ("<del>", "</del>"), "added": ("<ins>", "</ins>")}
    return Markup(" ").join(Markup(tags[p.op][0]) + escape(p.text) + Markup(tags[p.op][1])
                            for p in delta if p.op in show)


def _quote_pair(before: str, after: str):
    """The before and after quotes of a changed fact, each whole, with the words that changed marked."""
    from termsgap.history.diff import word_delta

    parts = word_delta(before, after, context=None)
    return _delta_html(parts, ("same", "removed")), _delta_html(parts, ("same", "added"))


def render_html(report: ChangeReport, fail_on: str = "changed") -> bytes:
    """The change report for people: no exit codes (those are for scripts), worse first."""
    html = _template().render(report=report, outcome=outcome_text(report, None), delta_html=_delta_html,
                              quote_pair=_quote_pair, worse_first=worse_first, where=_where)
    return html.encode("utf-8")


def render_text(report: ChangeReport, fail_on: str = "changed") -> bytes:
    return (change_text(report, fail_on) + "\n").encode("utf-8")


def write_change_reports(report: ChangeReport, out_dir: Path, formats: Iterable[str] = ("json", "html"),
                         fail_on: str = "changed") -> list[Path]:
    """Render every format in memory, then write each atomically into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    renderers = {"json": lambda r: render_json(r), "html": lambda r: render_html(r, fail_on),
                 "text": lambda r: render_text(r, fail_on)}
    rendered = [(FORMATS[f], renderers[f](report)) for f in dict.fromkeys(formats)]
    return [atomic_write(out_dir / name, data) for name, data in rendered]
