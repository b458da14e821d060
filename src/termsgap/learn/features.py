"""What the learned reader sees of a sentence: the words the rules see (lemmas, with the lead-in of a list item,
an FAQ question read as a statement and defined-term markers), its headings, negation and exceptions.

Features are strings; the model maps them to columns through its own vocabulary, so training and reading share
this one function.
"""
from __future__ import annotations

import re
from functools import lru_cache

NEGATORS = {"not", "no", "never", "n't", "cannot", "neither", "nor", "without"}
_TOKEN = re.compile(r"[a-zκ0-9][a-zκ0-9'\-]*")


def tokens(lemmas: str) -> list[str]:
    return _TOKEN.findall(lemmas)


def features(lemmas: str, headings: str = "", exceptions: str = "", tags: tuple[str, ...] = ()) -> list[str]:
    """Unigrams and bigrams of the lemma string, a word's negated form within three words of a negator,
    heading words (h:), words of unless/except phrases (x:), and the checklist's vocabulary classes the sentence
    uses, alone and in pairs (c:, cc:) - the part that carries over to phrasing the training data never had."""
    words = tokens(lemmas)
    out = [f"w:{w}" for w in words]
    out += [f"b:{a}_{b}" for a, b in zip(words, words[1:])]
    last_neg = -9
    for i, w in enumerate(words):
        if w in NEGATORS:
            last_neg = i
        elif i - last_neg <= 3:
            out.append(f"n:{w}")
    out += _marked("h:", headings)
    out += _marked("x:", exceptions)
    out += _classes(tags)
    return out


# the headings, exceptions and classes of sentences repeat (a section's sentences share their headings): their
# features are made once


@lru_cache(maxsize=4096)
def _marked(prefix: str, text: str) -> tuple[str, ...]:
    return tuple(f"{prefix}{w}" for w in tokens(text))


@lru_cache(maxsize=4096)
def _classes(tags: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"c:{t}" for t in tags) + tuple(f"cc:{a}+{b}" for i, a in enumerate(tags) for b in tags[i + 1:])
