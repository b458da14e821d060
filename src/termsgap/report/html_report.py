"""Self-contained HTML report for a data-protection officer (also the source of the PDF).

One Jinja template (`templates/report.html.j2`) with the stylesheet (`templates/report.css`) inlined, so the
file works offline: no external CSS, scripts, fonts or images. Autoescape is on for everything.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any, Optional

from termsgap.models import VERDICT_ORDER, RunResult, Verdict
from termsgap.report import Renderer

from . import _format as fmt, board
from ..vendors import KIND_NAMES

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"


_BREAK_AFTER = re.compile(r"(?<=[./_-])")


def breakable(text: str):
    """Escaped text with optional line breaks after . / _ - (long question IDs and paths in narrow columns)."""
    from markupsafe import Markup, escape

    return Markup("<wbr>").join(escape(part) for part in _BREAK_AFTER.split(str(text)))


@lru_cache(maxsize=1)
def _environment():
    import jinja2  # lazy: JSON-only runs never import it

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("termsgap.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["breakable"] = breakable
    env.globals.update(
        locator=fmt.locator,
        value_text=fmt.value_text,
        answer_text=fmt.answer_text,
        verdict_label=fmt.verdict_label,
        confidence_text=fmt.confidence_text,
        anchor=fmt.anchor,
        vanchor=lambda vendor_index, question: f"v{vendor_index}-{question}",
        short_where=fmt.short_where,
        kind_name=lambda kind: KIND_NAMES.get(kind, kind or "document"),
        statements=board.statements,
        panel=board.panel,
        worst_first_vendor=board.worst_first,
        vendor_finding=board.finding,
        PANEL_COLUMNS=board.PANEL_COLUMNS,
        QUOTE_PRINT=QUOTE_PRINT,
        COMPARE_COLUMNS=COMPARE_COLUMNS,
        TOC_VENDORS=TOC_VENDORS,
        basename=lambda source: source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or source,
        VERDICT_ORDER=VERDICT_ORDER,
        REMEDIATE=fmt.REMEDIATE,
        Verdict=Verdict,
    )
    return env


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return resources.files("termsgap.report").joinpath("templates", STYLESHEET).read_text(encoding="utf-8")


#: a quote longer than this is trimmed in print, its full text in the appendix
QUOTE_PRINT = 600
#: up to this many vendors the comparison has a column per vendor, beyond it a row per vendor
COMPARE_COLUMNS = 14
#: up to this many vendors the table of contents names each
TOC_VENDORS = 30


def _quotes(vf) -> list:
    f = vf.finding
    return [*f.evidence, *(e for s in f.scoped for e in s.evidence), *f.candidates,
            *(e for o in vf.others for e in o.evidence)]


def _appendix(vendor_list) -> dict[tuple[str, int], tuple[str, object]]:
    """Long quotes of the vendor findings in reading order: (quote, start) -> ('A3.1', evidence), numbered by the
    vendor's place in the whole report so the parts of a long PDF never repeat a reference."""
    refs: dict[tuple[str, int], tuple[str, object]] = {}
    for vi, vendor in vendor_list:
        n = 0
        for vf in board.worst_first(vendor):
            for e in _quotes(vf):
                if len(e.quote) > QUOTE_PRINT and (e.quote, e.start) not in refs:
                    n += 1
                    refs[(e.quote, e.start)] = (f"A{vi}.{n}", e)
    return refs


def context(result: RunResult, summary_only: bool = False, *, head: bool = True, vendors: Optional[range] = None,
            compare: Optional[range] = None, documents: Optional[range] = None,
            compact: bool = False) -> dict[str, Any]:
    """What the template sees: the result itself plus a few precomputed lists. The HTML is one part with
    everything; a long PDF is laid out in parts: the `head` (title, contents, summary), the comparison rows of
    the vendors in `compare`, the board pages and findings of the vendors in `vendors`, the `documents` rows
    (each None for all of them). `compact`: one line per answer, no quotes (a PDF on
    many vendors)."""
    from markupsafe import Markup

    numbered = list(enumerate(result.vendors, 1))
    vendor_list = numbered if vendors is None else [numbered[i] for i in vendors]
    compare_list = numbered if compare is None else [numbered[i] for i in compare]
    docs = list(enumerate(result.documents, 1))
    doc_list = [] if summary_only else docs if documents is None else [docs[i] for i in documents]
    refs = _appendix(vendor_list) if not (summary_only or compact) else {}
    questions = list(dict.fromkeys(vf.question for v in result.vendors for vf in v.findings))
    names = [v.name for v in result.vendors]
    return {
        "result": result,
        "head": head,
        "vendor_list": vendor_list,
        "compare_list": compare_list,
        "doc_list": doc_list,
        "heading": names[0] if len(names) == 1 else (result.vendor or "AI vendor terms"),
        "judged_docs": sum(1 for v in result.vendors for d in v.documents if d.judged),
        "superseded": sum(1 for v in result.vendors for d in v.documents if d.superseded_by),
        "errors": [d for d in result.documents if d.status == "error"],
        "questions": questions,
        "summary_only": summary_only,
        "compact": compact,
        "appendix": list(refs.values()),
        "appendix_ref": lambda e: refs.get((e.quote, e.start), ("",))[0],
        "css": Markup(stylesheet()),
    }


def render_html_text(result: RunResult, summary_only: bool = False, **part) -> str:
    """The report as HTML; `part` selects a part of a long PDF (see `context`)."""
    return _environment().get_template(TEMPLATE).render(**context(result, summary_only, **part))


def render_html(result: RunResult) -> bytes:
    return render_html_text(result).encode("utf-8")


RENDERER = Renderer("html", "report.html", render_html, "self-contained HTML report", "text/html")
