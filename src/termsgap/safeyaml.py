"""YAML from files a user or a vendor hands us: safe loading (no tags that build objects) with a budget.

PyYAML shares an anchored node between its aliases, so a 600-byte file of nested aliases loads quickly but
expands to billions of values when anything walks it (validation, an error message). `load` refuses a
document whose expanded size exceeds MAX_NODES, before anything walks it, and files over MAX_BYTES.
"""
from __future__ import annotations

import yaml

#: values (scalars, list items, mapping entries) one document may expand to
MAX_NODES = 200_000
#: bytes of YAML text read at most
MAX_BYTES = 5 * 1024 * 1024


class YAMLBudgetError(yaml.YAMLError):
    pass


def load(text: str, loader: type = yaml.SafeLoader):
    """Like yaml.safe_load (`loader` must be a SafeLoader), within the budget."""
    if len(text) > MAX_BYTES:
        raise YAMLBudgetError(f"YAML text too large ({len(text)} characters; limit {MAX_BYTES})")
    data = yaml.load(text, Loader=loader)  # noqa: S506 - SafeLoader or a subclass
    _check_size(data)
    return data


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
