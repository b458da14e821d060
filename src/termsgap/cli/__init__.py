"""Thin CLI: parse options, call the engine, pick renderers, set the exit code. Nothing more.

Exit codes: 0 no gap, 1 a question is a gap under the policy, 2 usage or input error
(recheck adds 3 terms changed without verdict changes and 4 a verdict got worse; see `termsgap recheck --help`).
"""
from __future__ import annotations

import click

from .. import __version__
from .common import ExitCode
from .evaluate import evaluate
from .extract import extract
from .policy import policy
from .scan import scan
from .train import train


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="termsgap")
def main() -> None:
    """Check AI vendors' data-handling terms against your organisation's policy."""


for command in (scan, extract, policy, evaluate, train):
    main.add_command(command)

try:  # history, watch, recheck, waive: registered when the history package is present
    from .history import register as _register_history
    _register_history(main)
except ImportError:  # pragma: no cover
    pass

__all__ = ["main", "ExitCode"]
