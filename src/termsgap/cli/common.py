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


def parse_formats(values: tuple[str, ...], out: str | None) -> list[str]:
    """`--format` values, each a comma list (`--format json,html --format csv`), in order without repeats.

    With `--out -` exactly one text format is allowed (it goes to standard output); anything else is a usage error.
    """
    from ..report import available_formats, get_renderer

    formats = list(dict.fromkeys(f.strip() for v in values for f in v.split(",") if f.strip()))
    unknown = [f for f in formats if f not in available_formats()]
    if unknown:
        fail(f"unknown report format '{unknown[0]}' (one of {', '.join(available_formats())})")
    if not formats:
        fail("--format names no format (one or more of " + ", ".join(available_formats()) + ")")
    if out == "-" and (len(formats) != 1 or get_renderer(formats[0]).binary):
        text = [f for f in available_formats() if not get_renderer(f).binary]
        fail(f"--out - writes one text format to standard output ({', '.join(text)}), not {','.join(formats)}")
    return formats


def policy_names() -> list[str]:
    """The names of the policies shipped in policies/ (every YAML file there but the checklist)."""
    from ..policy import POLICY_DIR

    return sorted(p.stem for p in POLICY_DIR.glob("*.yaml") if p.stem != "checklist")


def resolve_policy(name_or_path: str | None, where: str = "--policy") -> Policy:
    """A policy file path, or the name of one in policies/ ('default', 'strict-eu'); `where` names the option
    (or configuration key) in the error for a policy that is neither."""
    from ..policy import DEFAULT_POLICY, POLICY_DIR, PolicyError, load_policy

    candidate = Path(name_or_path) if name_or_path else DEFAULT_POLICY
    if not candidate.exists() and name_or_path:
        if (POLICY_DIR / f"{name_or_path}.yaml").exists():
            candidate = POLICY_DIR / f"{name_or_path}.yaml"
        else:
            fail(f"{where}: no policy file or name '{name_or_path}' (policies: {', '.join(policy_names())})")
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
    recursive), sorted, leaving out hidden files and folders and README files (a folder's own notes, not vendor
    terms)."""
    out: list[str] = []
    for item in inputs:
        p = Path(item)
        if not p.is_dir():
            out.append(item)
            continue
        found = p.rglob("*") if recursive else p.iterdir()
        out.extend(str(f) for f in sorted(found)
                   if f.is_file() and f.suffix.lower() in INPUT_SUFFIXES
                   and not any(part.startswith(".") for part in f.relative_to(p).parts)
                   and not f.stem.upper() == "README")
    return out


def vendors_or_fail(path: str | None) -> dict[str, str]:
    """vendors.yaml: `Vendor name: [glob, ...]` -> {glob: vendor name}; a bad file is one line."""
    if not path:
        return {}
    import yaml

    from .. import safeyaml

    try:
        raw = safeyaml.load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        fail(f"{path}: cannot read vendors file: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    if not isinstance(raw, dict) or not all(isinstance(v, list) and all(isinstance(g, str) for g in v)
                                            for v in raw.values()):
        fail(f"{path}: a vendors file maps each vendor name to a list of file globs")
    return {glob: str(name) for name, globs in raw.items() for glob in globs}
