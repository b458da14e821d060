"""Waivers: accepted gaps with reason, approver and expiry, bound to the evidence they were granted on.

A waivers file is YAML meant to be reviewed in git:

    schema_version: 1
    waivers:
      - question: retention.prompts-outputs
        vendor: OpenAI
        reason: Zero data retention agreed in the order form, pending DPA update
        approver: Jane Doe (DPO)
        expires: 2027-06-30
        fingerprints: [3f2a9c0d1e4b5a67]   # evidence fingerprints of the finding when it was waived
        created: 2026-05-01                # optional

`apply_waivers(result, waivers, today)` is the only place that sets the verdict `waived`: for a finding that is
not compliant, a waiver for the same question and vendor applies while it is unexpired (the expiry date is the
last day it applies) and while the finding's evidence fingerprints are exactly the ones it was granted on. When
it does not apply, the finding keeps its verdict, carries the waiver, and `waiver_note` says why
("expired on 2026-01-31", "clause changed: ..."). Waivers are shown in reports, never hidden.
"""
from __future__ import annotations

import re
import textwrap
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Optional

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .. import safeyaml
from ..models import Finding, RunResult, Verdict, Waiver

WAIVERS_SCHEMA_VERSION = 1
DEFAULT_WAIVERS_FILE = "waivers.yaml"
_FP = re.compile(r"^[0-9a-f]{16}$")


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so '2027-13-01' is a clear error instead of a crash."""


_Loader.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _load_yaml(text: str):
    return safeyaml.load(text, _Loader)


class WaiverError(Exception):
    """Every problem of a waivers file, one per line, each naming the file and the entry."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    vendor: str
    reason: str
    approver: str
    expires: date
    fingerprints: list[str] = []
    created: Optional[date] = None

    @field_validator("question", "vendor", "reason", "approver")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not str(v).strip():
            raise ValueError("must not be empty")
        return str(v).strip()

    @field_validator("fingerprints")
    @classmethod
    def _fps(cls, v: list[str]) -> list[str]:
        bad = [x for x in v if not _FP.match(str(x))]
        if bad:
            raise ValueError(f"not an evidence fingerprint (16 hex digits): {bad[0]!r}")
        return sorted(set(v))


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int
    waivers: list[dict] = []


def _to_waiver(e: _Entry) -> Waiver:
    return Waiver(question=e.question, vendor=e.vendor, reason=e.reason, approver=e.approver,
                  expires=e.expires.isoformat(), fingerprints=tuple(e.fingerprints))


def parse_waivers(text: str, path: str = "waivers.yaml", *, questions: Optional[Iterable[str]] = None
                  ) -> list[Waiver]:
    """Validate the text of a waivers file; raise WaiverError listing every problem at once."""
    try:
        data = _load_yaml(text)
    except yaml.YAMLError as exc:
        raise WaiverError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if data is None:
        return []
    if not isinstance(data, dict):
        raise WaiverError(f"{path}: expected a mapping with schema_version and waivers")
    try:
        f = _File.model_validate(data)
    except ValidationError as exc:
        raise WaiverError("\n".join(f"{path}: {safeyaml.field_path(e['loc']) or 'file'}: {e['msg']}"
                                    for e in exc.errors())) from None
    if f.schema_version != WAIVERS_SCHEMA_VERSION:
        raise WaiverError(f"{path}: schema_version {f.schema_version} is not supported "
                          f"(this termsgap reads {WAIVERS_SCHEMA_VERSION})")
    known = set(questions) if questions is not None else None
    errors, out = [], []
    for i, raw in enumerate(f.waivers):
        where = f"{path}: waivers[{i}]"
        if not isinstance(raw, dict):
            errors.append(f"{where}: expected a mapping")
            continue
        which = f"{where} ({safeyaml.inline(raw.get('question', '?'))})"
        if isinstance(raw.get("expires"), str):
            try:
                date.fromisoformat(raw["expires"])
            except ValueError:
                errors.append(f"{which}: expires: not a date (YYYY-MM-DD): {raw['expires']!r}")
                continue
        try:
            e = _Entry.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                errors.append(f"{which}: {safeyaml.field_path(err['loc'])}: {err['msg']}")
            continue
        if known is not None and e.question not in known:
            errors.append(f"{where}: unknown question {e.question!r}")
            continue
        out.append(_to_waiver(e))
    if errors:
        raise WaiverError("\n".join(errors))
    return out


def _read(p: Path, missing_ok: bool) -> str:
    try:
        return safeyaml.read_text(p)
    except FileNotFoundError:
        if missing_ok:
            return ""
        raise WaiverError(f"{p}: waivers file not found") from None
    except OSError as exc:
        raise WaiverError(f"{p}: cannot read ({exc.strerror or exc})") from None


def load_waivers(path: str | Path, *, questions: Optional[Iterable[str]] = None, missing_ok: bool = False
                 ) -> list[Waiver]:
    p = Path(path)
    return parse_waivers(_read(p, missing_ok), str(p), questions=questions)


def waiver_yaml(w: Waiver, created: Optional[date] = None) -> str:
    """One list entry (indented under `waivers:`), for appending to a file without rewriting it."""
    item = {"question": w.question, "vendor": w.vendor, "reason": w.reason, "approver": w.approver,
            "expires": date.fromisoformat(w.expires), "fingerprints": list(w.fingerprints)}
    if created:
        item["created"] = created
    body = yaml.safe_dump([item], sort_keys=False, allow_unicode=True, width=100, default_flow_style=None)
    return "".join("  " + line if line.strip() else line for line in body.splitlines(keepends=True))


def append_waiver(path: str | Path, w: Waiver, created: Optional[date] = None) -> Path:
    """Append a waiver to the file (created with a header when missing), keeping its comments; atomic."""
    from ..atomic import atomic_write

    p = Path(path)
    text = _read(p, missing_ok=True)
    if text.strip():
        parse_waivers(text, str(p))  # refuse to append to a file that is already broken
    entry = waiver_yaml(w, created)
    lines = text.splitlines()
    top = [i for i, line in enumerate(lines) if line and not line[0].isspace() and not line.startswith("#")]
    if not text.strip():
        new = (f"# termsgap waivers: accepted gaps, each bound to the evidence it was granted on.\n"
               f"schema_version: {WAIVERS_SCHEMA_VERSION}\nwaivers:\n{entry}")
    elif top and re.match(r"^waivers:\s*(#.*)?$", lines[top[-1]]):  # waivers is the last key, block style
        new = text + ("" if text.endswith("\n") else "\n") + entry
    else:  # flow style or another layout: rewrite (comments are lost, content kept)
        data = _load_yaml(text) or {}
        data.setdefault("schema_version", WAIVERS_SCHEMA_VERSION)
        items = list(data.get("waivers") or [])
        items.append(_load_yaml(textwrap.dedent(entry))[0])
        data["waivers"] = items
        new = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(p, new.encode("utf-8"))
    except OSError as exc:
        raise WaiverError(f"{p}: cannot write ({exc.strerror or exc})") from None
    return p


def _today(today: date | datetime | str | None) -> date:
    if today is None:
        return date.today()
    if isinstance(today, datetime):
        return today.date()
    if isinstance(today, str):
        return date.fromisoformat(today)
    return today


def _apply_one(f: Finding, candidates: list[Waiver], today: date) -> Finding:
    if f.verdict == Verdict.COMPLIANT or not candidates:
        return f
    fps = tuple(sorted({e.fingerprint for e in f.evidence}))
    matching = [w for w in candidates if tuple(sorted(set(w.fingerprints))) == fps]
    live = [w for w in matching if date.fromisoformat(w.expires) >= today]
    if live:
        w = max(live, key=lambda w: w.expires)
        return f.model_copy(update={
            "verdict": Verdict.WAIVED, "waiver": w,
            "waiver_note": f"waived until {w.expires} (was {f.verdict.value}), approved by {w.approver}"})
    if matching:
        w = max(matching, key=lambda w: w.expires)
        return f.model_copy(update={"waiver": w, "waiver_note": f"waiver expired on {w.expires}"})
    w = max(candidates, key=lambda w: w.expires)
    if not w.fingerprints and fps:
        why = "clause changed: the vendor now addresses this question (the waiver covered no evidence)"
    elif not fps:
        why = "clause changed: the evidence the waiver was granted on is gone"
    else:
        gone = len(set(w.fingerprints) - set(fps))
        new = len(set(fps) - set(w.fingerprints))
        why = f"clause changed: evidence differs from what was waived ({gone} sentence(s) gone, {new} new)"
    return f.model_copy(update={"waiver": w, "waiver_note": why})


def apply_waivers(result: RunResult, waivers: Iterable[Waiver], today: date | datetime | str | None = None
                  ) -> RunResult:
    """A new result with waivers applied (see the module docstring); `result` itself is not changed."""
    today = _today(today)
    vendor = (result.vendor or "").casefold()
    by_q: dict[str, list[Waiver]] = {}
    for w in waivers:
        if vendor and w.vendor.casefold() == vendor:
            by_q.setdefault(w.question, []).append(w)
    if not by_q:
        return result
    docs = tuple(d.model_copy(update={"findings": tuple(_apply_one(f, by_q.get(f.question, []), today)
                                                        for f in d.findings)})
                 for d in result.documents)
    return result.model_copy(update={"documents": docs})
