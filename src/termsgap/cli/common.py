"""What the commands share: exit codes, default paths, policy loading with clear errors."""
from __future__ import annotations

import sys
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..policy import Policy

INPUT_SUFFIXES = {".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt"}


class ExitCode(IntEnum):
    OK = 0
    GAP = 1
    USAGE = 2
    CHANGED = 3
    WORSE = 4


class Jobs(click.ParamType):
    """--jobs: "auto" (the machine's cores, at most one per document; see engine.worker_count) or 1 to 64."""

    name = "jobs"

    def convert(self, value, param, ctx):
        if value == "auto" or isinstance(value, int) and 1 <= value <= 64:
            return value
        if isinstance(value, str) and value.isdigit() and 1 <= int(value) <= 64:
            return int(value)
        self.fail(f"{value!r} is neither 'auto' nor a number from 1 to 64", param, ctx)


JOBS = click.option("--jobs", "-j", type=Jobs(), default="auto", show_default=True,
                    help="Documents checked in parallel processes: auto (the machine's cores, at most one per "
                         "document) or a number.")


def fail(message: str) -> "NoReturn":  # noqa: F821
    click.echo(f"termsgap: {message}", err=True)
    sys.exit(ExitCode.USAGE)


def resolve_policy(name_or_path: str | None) -> Policy:
    """A policy file path, or the name of one in policies/ ('default', 'strict-eu')."""
    from ..policy import DEFAULT_POLICY, POLICY_DIR, PolicyError, load_policy

    candidate = Path(name_or_path) if name_or_path else DEFAULT_POLICY
    if not candidate.exists() and name_or_path and (POLICY_DIR / f"{name_or_path}.yaml").exists():
        candidate = POLICY_DIR / f"{name_or_path}.yaml"
    try:
        return load_policy(candidate)
    except PolicyError as exc:
        fail(str(exc))


def check_model(model_dir: str | None) -> None:
    """A --model folder that is not a termsgap model fails with one line before any document is read."""
    from ..learn.model import ModelError, load_model

    try:
        load_model(model_dir)
    except ModelError as exc:
        fail(str(exc))


def expand_inputs(inputs: tuple[str, ...], *, recursive: bool = False) -> list[str]:
    """Files as given; a folder expands to the supported documents inside it (directly, or at any depth when
    recursive), sorted, leaving out hidden files and README files (a folder's own notes, not vendor terms)."""
    out: list[str] = []
    for item in inputs:
        p = Path(item)
        if not p.is_dir():
            out.append(item)
            continue
        found = p.rglob("*") if recursive else p.iterdir()
        out.extend(str(f) for f in sorted(found)
                   if f.is_file() and f.suffix.lower() in INPUT_SUFFIXES
                   and not f.name.startswith(".") and not f.stem.upper() == "README")
    return out
