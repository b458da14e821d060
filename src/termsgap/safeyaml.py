"""YAML from files a user or a vendor hands us: safe loading (no tags that build objects) with a budget.

PyYAML shares an anchored node between its aliases, so a 600-byte file of nested aliases loads quickly but
expands to billions of values when anything walks it (validation, an error message). `load` refuses a
document whose expanded size exceeds MAX_NODES, before anything walks it, and files over MAX_BYTES. The pure
Python parser is slow (about 15 s for a megabyte of tiny values) and pays for every open `[`/`{` on every token,
so `load` also stops composing at MAX_NODES nodes and refuses flow collections nested deeper than MAX_DEPTH.

Every failure of `load` is a `yaml.YAMLError` whose message is one line with the line and column of the problem
(PyYAML's own messages span several lines; some bad values, such as `2027-13-01`, `!!int x` or an empty `!!float`,
escape as ValueError, KeyError or IndexError, and deep block nesting as RecursionError). `inline` and
`field_path` show values and key paths read from such a file inside a one-line error. `read_text` reads such a
file: a regular file of UTF-8 text within MAX_BYTES (a FIFO or /dev/zero given as a policy would otherwise block
or fill memory).
"""
from __future__ import annotations

import errno
import os
import stat
from functools import lru_cache
from pathlib import Path

import yaml

#: values (scalars, list items, mapping entries) one document may expand to
MAX_NODES = 200_000
#: bytes of YAML text read at most
MAX_BYTES = 5 * 1024 * 1024
#: flow collections ([...], {...}) nested in each other at most; the shipped files nest 2
MAX_DEPTH = 20


class YAMLBudgetError(yaml.YAMLError):
    pass


class YAMLInputError(yaml.YAMLError):
    """Text that is not valid YAML, or holds a value YAML cannot build; str() is one line."""


class UnreadableError(OSError):
    """A YAML file that is not read (not a regular file, too large, not UTF-8); str() is the reason."""

    def __init__(self, reason: str):
        super().__init__(errno.EINVAL, reason)

    def __str__(self) -> str:
        return self.strerror


def read_text(path: str | Path) -> str:
    """The UTF-8 text of a regular file of at most MAX_BYTES; OSError (UnreadableError or the system's) if not."""
    path = Path(path)
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise UnreadableError("not a regular file (a directory, FIFO, device or socket is not read)")
    with open(path, "rb") as f:
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UnreadableError(f"file too large (over {MAX_BYTES} bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


class _Bounded:
    """Mixed into a SafeLoader: no flow collection deeper than MAX_DEPTH, no more than MAX_NODES nodes."""

    _nodes = 0

    def fetch_flow_collection_start(self, token_class):
        if self.flow_level >= MAX_DEPTH:
            mark = self.get_mark()
            raise YAMLBudgetError(f"line {mark.line + 1}, column {mark.column + 1}: [ ] or {{ }} nested deeper "
                                  f"than {MAX_DEPTH} levels")
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent, index):
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YAMLBudgetError(f"YAML holds more than {MAX_NODES} values")
        return super().compose_node(parent, index)


@lru_cache(maxsize=None)
def _bounded(loader: type) -> type:
    return type(f"Bounded{loader.__name__}", (_Bounded, loader), {})


def load(text: str, loader: type = yaml.SafeLoader):
    """Like yaml.safe_load (`loader` must be a SafeLoader), within the budget; every failure a one-line YAMLError."""
    if len(text) > MAX_BYTES:
        raise YAMLBudgetError(f"YAML text too large ({len(text)} characters; limit {MAX_BYTES})")
    try:
        data = yaml.load(text, Loader=_bounded(loader))  # noqa: S506 - SafeLoader or a subclass
    except YAMLBudgetError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = " ".join(x for x in (exc.problem, f"({exc.context})" if exc.context else "") if x)
        raise YAMLInputError(where + inline(what or type(exc).__name__, quote=False)) from None
    except yaml.YAMLError as exc:
        raise YAMLInputError(_first_line(exc)) from None
    except RecursionError:
        raise YAMLInputError("nested too deeply") from None
    except Exception as exc:  # PyYAML's constructors leak ValueError, KeyError, IndexError...: 2027-13-01, !!float
        raise YAMLInputError(f"a value YAML cannot read ({type(exc).__name__}: {_first_line(exc)})") from None
    _check_size(data)
    return data


def _first_line(exc: BaseException) -> str:
    lines = str(exc).splitlines()
    return inline(lines[0], quote=False)[:200] if lines else type(exc).__name__


def inline(value, quote: bool = True) -> str:
    """A value from a file, fit for a one-line message: as it is when printable, else escaped (quoted when
    `quote`), so a key holding a newline cannot start a line of its own."""
    s = str(value)
    if s and s.isprintable():
        return s
    r = repr(s)
    return r if quote else r[1:-1]


def field_path(loc) -> str:
    """A pydantic error location as one dotted line: `questions.'a\\nb'.gap`."""
    return ".".join(inline(p) for p in loc)


def _check_size(data) -> None:
    """Count the values as a walk would see them (shared nodes counted each time), stopping at the budget."""
    count, stack = 0, [data]
    while stack:
        item = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise YAMLBudgetError(f"YAML expands to more than {MAX_NODES} values (nested aliases?)")
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
