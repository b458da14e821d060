"""A project's scan settings in a file: `.termsgap.yaml`, or `[tool.termsgap]` in `pyproject.toml`, in the working
folder, or `--config FILE`.

    policy: strict-eu
    formats: [json, html]
    fail-on: review
    skip-check: [security.audits]

The file's values become click's defaults (`ctx.default_map`), so the command line wins over the file and the
file over the built-in defaults; an environment variable an option reads (TERMSGAP_DB) sits between the two.
Every value is checked with its option's own type before the command runs: an unknown key or a bad value is
one line naming the file and the key.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

import click
import yaml

from .. import safeyaml
from .common import fail

#: the files looked for in the working folder, in this order (the first one that has settings is used)
CONFIG_FILES = (".termsgap.yaml", "pyproject.toml")
#: key in the file -> parameter of `scan`
SCAN_KEYS = {
    "policy": "policy_ref", "formats": "formats", "waivers": "waivers_path", "db": "db", "fail-on": "fail_on",
    "soft-fail": "soft_fail", "check": "check", "skip-check": "skip_check", "jobs": "jobs", "vendor": "vendor",
    "vendors": "vendors_file", "out": "out_dir",
}
#: ctx.meta key holding the file the defaults came from
META = "termsgap.config"


def read_settings(path: Path, *, explicit: bool) -> dict | None:
    """The settings mapping in `path` (None: a pyproject.toml found by looking that has no [tool.termsgap])."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{path}: cannot read the configuration: {getattr(exc, 'strerror', None) or exc}")
    if path.suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            fail(f"{path}: not valid TOML: {exc}")
        table = data.get("tool", {}).get("termsgap") if isinstance(data.get("tool"), dict) else None
        if table is None:
            if not explicit:
                return None
            table = data  # a termsgap.toml of its own: the settings at the top level
    else:
        try:
            table = safeyaml.load(text)
        except yaml.YAMLError as exc:
            fail(f"{path}: not valid YAML: {str(exc).splitlines()[0]}")
        if table is None:
            table = {}
    if not isinstance(table, dict):
        fail(f"{path}: the configuration is a mapping of settings (keys: {', '.join(SCAN_KEYS)})")
    return table


def find_config(folder: Path) -> tuple[Path, dict] | None:
    for name in CONFIG_FILES:
        path = folder / name
        if path.is_file():
            settings = read_settings(path, explicit=False)
            if settings is not None:
                return path, settings
    return None


def defaults_from(ctx: click.Context, path: Path, settings: dict, keys: dict[str, str]) -> dict:
    """The file's settings as parameter defaults, each checked with its option's type (one line per problem)."""
    params = {p.name: p for p in ctx.command.params}
    out = {}
    for key, value in settings.items():
        if key not in keys:
            fail(f"{path}: unknown key '{key}' (known: {', '.join(keys)})")
        param = params[keys[key]]
        if value is None:
            fail(f"{path}: {key}: no value")
        if param.multiple and not isinstance(value, list):
            value = [value]
        if isinstance(value, list) and not param.multiple:
            fail(f"{path}: {key}: one value, not a list")
        try:
            param.type_cast_value(ctx, value)
        except click.BadParameter as exc:
            fail(f"{path}: {key}: {exc.message}")
        out[param.name] = value
    return out


def config_option(keys: dict[str, str]):
    """`--config FILE` (eager): the settings of FILE, or of the first of CONFIG_FILES in the working folder,
    become the command's defaults."""

    def load(ctx: click.Context, _param, value):
        if value:
            path = Path(value)
            found = (path, read_settings(path, explicit=True))
        else:
            found = find_config(Path())
        if found is None:
            return
        path, settings = found
        ctx.default_map = {**(ctx.default_map or {}), **defaults_from(ctx, path, settings, keys)}
        ctx.meta[META] = (path, {name: key for key, name in keys.items()})

    return click.option("--config", type=click.Path(dir_okay=False, exists=True), is_eager=True, expose_value=False,
                        callback=load,
                        help="Settings file (default: .termsgap.yaml, or [tool.termsgap] in pyproject.toml, in the "
                             "working folder). Keys: " + ", ".join(keys) + ". Options given on the command line win.")


def source_of(ctx: click.Context, name: str, flag: str) -> str:
    """Where a parameter's value came from, for an error message: the option, or the file and key."""
    if ctx.get_parameter_source(name) == click.core.ParameterSource.DEFAULT_MAP and META in ctx.meta:
        path, key_of = ctx.meta[META]
        return f"{path}: {key_of.get(name, name)}"
    return flag
