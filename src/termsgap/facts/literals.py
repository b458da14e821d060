"""A quick test before a rule's regular expression: the words every match must contain.

Python's `re` tries a pattern such as `\\b(?:fine[- ]?tun\\S*|customi[sz]\\S*) (?:\\S+ ){0,2}(?:data|file)` at every
position of a sentence; `"customi" in s` scans the same sentence many times faster. From the parsed pattern we
derive which literal strings a match must contain (all the literals of a sequence, one alternative of a branch,
the body of a repetition that occurs at least once) and test those first: a sentence that lacks them cannot
match, so the expression runs only on the few that might. The results are those of the expression itself.
"""
from __future__ import annotations

import re
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]
from typing import Callable, Optional, Union

#: ("lit", text) | ("all", [needs]) | ("any", [needs]): literals a matching text must contain
Need = tuple[str, Union[str, list]]


def needs(parsed) -> Optional[Need]:
    """What a text matched by the parsed sequence must contain; None when nothing is certain."""
    parts: list[Need] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            parts.append(("lit", "".join(run)))
            run.clear()

    for op, av in parsed:
        if op is C.LITERAL:
            run.append(chr(av))
            continue
        if op is C.AT:            # \b, ^, $: zero width, the literals around it stay side by side in the text
            continue
        flush()
        need = None
        if op is C.SUBPATTERN:
            need = needs(av[3])
        elif op is C.ATOMIC_GROUP:
            need = needs(av)
        elif op is C.ASSERT:      # (?=...) / (?<=...): the text holds what the assertion matches
            need = needs(av[1])
        elif op is C.BRANCH:
            alternatives = [needs(a) for a in av[1]]
            if all(a is not None for a in alternatives):
                need = ("any", alternatives)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] >= 1:
            need = needs(av[2])
        # anything else (a character class, ., a negative assertion, a back-reference) requires nothing known
        if need is not None:
            parts.append(need)
    flush()
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else ("all", parts)


def _rarity(need: Need) -> int:
    """Longer literals are rarer: test them first in a conjunction."""
    kind, arg = need
    if kind == "lit":
        return len(arg)
    return (max if kind == "all" else min)(_rarity(n) for n in arg)


def _expression(need: Need) -> str:
    kind, arg = need
    if kind == "lit":
        return f"{arg!r} in s"
    subs = sorted(arg, key=_rarity, reverse=kind == "all")
    return "(" + (" and " if kind == "all" else " or ").join(_expression(n) for n in subs) + ")"


def quick_test(regex: re.Pattern) -> Optional[Callable[[str], bool]]:
    """A function telling whether a text may match `regex` (False: it cannot), or None when the pattern requires no
    literal (or ignores case). Built as one Python expression of `in` tests on string literals (repr() of the
    pattern's own literals; nothing else enters it), so it runs at the speed of `str.__contains__`."""
    if regex.flags & re.IGNORECASE or not isinstance(regex.pattern, str):
        return None
    parsed = P.parse(regex.pattern, regex.flags)
    if parsed.state.flags & re.IGNORECASE or _any_local_ignorecase(parsed):
        return None
    need = needs(parsed)
    if need is None:
        return None
    return eval("lambda s: " + _expression(need), {"__builtins__": {}})  # noqa: S307 - literals only


def _any_local_ignorecase(parsed) -> bool:
    """(?i:...) inside the pattern: its literals match other cases too."""
    for op, av in parsed:
        if op is C.SUBPATTERN and (av[1] & re.IGNORECASE or _any_local_ignorecase(av[3])):
            return True
        if op is C.BRANCH and any(_any_local_ignorecase(a) for a in av[1]):
            return True
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and _any_local_ignorecase(av[2]):
            return True
        if op in (C.ASSERT, C.ASSERT_NOT) and _any_local_ignorecase(av[1]):
            return True
        if op is C.ATOMIC_GROUP and _any_local_ignorecase(av):
            return True
    return False
