"""Self-contained HTML report for a data-protection officer (also the source of the PDF).

One Jinja template (`templates/report.html.j2`) with the stylesheet (`templates/report.css`) inlined, so the
file works offline: no external CSS, scripts, fonts or images. Autoescape is on for everything.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

from termsgap.models import VERDICT_ORDER, RunResult, Verdict
from termsgap.report import Renderer

from . import _format as fmt

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
        basename=lambda source: source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or source,
        VERDICT_ORDER=VERDICT_ORDER,
        REMEDIATE=fmt.REMEDIATE,
        Verdict=Verdict,
    )
    return env


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return resources.files("termsgap.report").joinpath("templates", STYLESHEET).read_text(encoding="utf-8")


def context(result: RunResult) -> dict[str, Any]:
    """What the template sees: the result itself plus a few precomputed lists."""
    from markupsafe import Markup

    waivers = [(i, d, f) for i, d, f in fmt.iter_findings(result) if f.waiver is not None or f.waiver_note]
    n_attention = sum(result.counts[v.value] for v in fmt.ATTENTION)
    not_addressed = [(i, d, [f for f in d.findings if f.verdict == Verdict.NOT_ADDRESSED])
                     for i, d in enumerate(result.documents)]
    return {
        "result": result,
        "attention": fmt.worst_first(result, fmt.TERMINAL_LISTED),
        "not_addressed": [(i, d, fs) for i, d, fs in not_addressed if fs],
        "n_attention": n_attention,
        "waivers": waivers,
        "errors": [d for d in result.documents if d.status == "error"],
        "multi": len(result.documents) > 1,
        "css": Markup(stylesheet()),
    }


def render_html_text(result: RunResult) -> str:
    return _environment().get_template(TEMPLATE).render(**context(result))


def render_html(result: RunResult) -> bytes:
    return render_html_text(result).encode("utf-8")


RENDERER = Renderer("html", "report.html", render_html, "self-contained HTML report", "text/html")
