"""spaCy, blank English: sentencizer + lookup lemmatizer (spacy-lookups-data). No model download, ever.

Each sentence gets a lower-case lemma string that the question rules match on, so "retained", "retains" and
"retaining" all read "retain". Defined terms are resolved document-wide: when "Customer Content" is defined as
Inputs and Outputs, every sentence using the term carries the concept marker the definition implies.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator, Protocol

from ..models import AnnotatedDocument, Clause, Document, Sentence
from ..extract.segment import CLAUSE_NO
from .numbers import durations

class Pattern(Protocol):
    """A compiled pattern (re.Pattern, or a checklist pattern with the same search)."""

    def search(self, text: str) -> object: ...


NEGATION = {"not", "no", "never", "n't", "neither", "nor", "cannot"}
EXCEPTION = re.compile(r"\b(unless|except(?: as| where| to the extent| for| that)?|other than|save (?:as|where)|"
                       r"excluding|provided,? however,? that|provided that)\b([^;.]*)", re.I)
EXCEPTION_WORDS = ("unless", "except", "other than", "save ", "excluding", "provided")


def exceptions_in(text: str) -> tuple[str, ...]:
    """The 'unless ...', 'except ...' phrases of a sentence. An ASCII sentence (most) without any of their words
    is not searched: its lower case holds every case-insensitive match."""
    if text.isascii():
        low = text.lower()
        if not any(w in low for w in EXCEPTION_WORDS):
            return ()
    return tuple(m.group(0).strip() for m in EXCEPTION.finditer(text))


DEFINITION = [
    # "Customer Content" means ... / “Inputs” refers to ...
    re.compile(r"[“\"']([A-Z][\w’'\- ]{1,60}?)[”\"']\s*(?:\)\s*)?(?:shall )?(?:means?|refers? to|includes?|is defined as|has the meaning)\b(.*)", re.S),
]
# a definition whose opening quote went with the sentence before ('Confidential Information” means ...')
DEFINITION_CUT = re.compile(r"[A-Z][\w’'\- ]{1,60}?[”\"]\s*(?:\)\s*)?(?:shall )?(?:means?|refers? to|is defined as)\b")
# what a definition names after "including": "... including in particular Customer Data" makes it content too
INCLUDING = re.compile(r"\binclud(?:es|ing)\b,? (?:in particular |without limitation |but not limited to )?((?:\S+ ){0,5}\S+)")
# ... (collectively, “Customer Content”): the words before the parenthesis are the definition
DEFINED_AFTER = re.compile(r"\((?:[^()“\"]{0,40})?[“\"]([A-Z][\w’'\- ]{1,60}?)[”\"]\)")
# a defined term that names the vendor's offering carries no concept of what it processes: a "Model" defined by
# the inputs it takes is still not customer content
NOT_CONTENT = {"model", "models", "service", "services", "software", "platform", "website", "site", "api", "apis",
               "application", "applications", "product", "products", "tool", "tools", "system", "systems"}
# "Customer Content is Confidential Information" / "Confidential Information includes Customer Content": the second
# term carries what the first one covers, so who may receive Confidential Information speaks of Customer Content
_TERM = r"([A-Z][\w’'\-]*(?: [A-Z][\w’'\-]*){0,4})"
IS_A = re.compile(_TERM + r"[”\"]? (?:is|are|shall be|will be|constitutes?|shall constitute)(?: deemed| considered| treated as)?"
                  r"(?: to be)? (?:the )?(?:[A-Z]\w+['’]s )?" + _TERM)
INCLUDES = re.compile(_TERM + r"[”\"]? (?:includes?|shall include|will include)(?: all| any)? (?:the )?(?:[A-Z]\w+['’]s )?" + _TERM)
# what each of them needs, a capitalised word right before the verb, found much faster (IS_A and INCLUDES try up to
# five words at every capital letter): a clause without it is not searched
_BEFORE_VERB = r"[A-Z][\w’'\-]*[”\"]? "
MAY_BE_IS_A = re.compile(_BEFORE_VERB + r"(?:is|are|shall be|will be|constitutes?|shall constitute)")
MAY_INCLUDE = re.compile(_BEFORE_VERB + r"(?:includes?|shall include|will include)")
# the lookup table's readings that hurt legal text: "data" is not "datum", "AI" is not "have", "third" is not "3"
KEEP = {"data": "data", "ai": "ai", "third": "third", "us": "us", "media": "media", "terms": "terms",
        "services": "service", "means": "means", "left": "left", "saw": "saw", "units": "unit",
        "least": "least", "later": "later", "earlier": "earlier", "as": "as", "more": "more", "less": "less",
        "most": "most", "longer": "longer", "shorter": "shorter", "better": "better", "worse": "worse",
        "best": "best", "worst": "worst", "an": "an", "following": "following", "training": "training",
        "'s": "'s", "’s": "'s", "whichever": "whichever"}


@lru_cache(maxsize=1)
def get_nlp():
    """Blank English (spaCy's tokenizer; no pipes, sentences are split by `Lexicon.read`) and the English lemma lookup
    table of spacy-lookups-data (read once; no lemmatizer pipe either, the lemmas are read from the table)."""
    import spacy
    from spacy.lookups import load_lookups

    nlp = spacy.blank("en")
    nlp.max_length = MAX_CLAUSE_CHARS  # no parser or NER here: memory grows with the tokens alone
    table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    return nlp, table


#: a clause longer than spaCy's default limit is still read (the input's byte limit bounds it)
MAX_CLAUSE_CHARS = 100_000_000
#: a "sentence" longer than this (a page without punctuation) is read in pieces, so rules stay linear in length
MAX_SENTENCE_TOKENS = 300

KEPT_PUNCT = {"(", ")", ":", ";", ","}
LINE_GAP = re.compile(r"\s*\n\s*")


class Lexicon:
    """What reading needs of each distinct token text, worked out once per process and kept by spaCy's id of the
    text (its ORTH hash): the lemma the rules see ('' for spaces and punctuation other than ( ) : ; ,), whether
    it is punctuation, whether it ends a sentence, its length. A doc is then read from two integer arrays instead
    of one Python object per token."""

    def __init__(self) -> None:
        from spacy.attrs import IDX, ORTH
        from spacy.pipeline import Sentencizer

        self.nlp, self.table = get_nlp()
        self.attrs = [ORTH, IDX]
        self.final = set(Sentencizer.default_punct_chars)
        self.info: dict[int, tuple[str, bool, bool, int]] = {}

    def entry(self, orth: int) -> tuple[str, bool, bool, int]:
        lex = self.nlp.vocab[orth]
        low, text = lex.lower_, lex.orth_
        lemma = "" if lex.is_space or (lex.is_punct and low not in KEPT_PUNCT) else \
            (KEEP.get(low) or self.table.get(low, low))
        e = self.info[orth] = (lemma, lex.is_punct, text in self.final, len(text))
        return e

    def read(self, doc) -> tuple[list[str], list[tuple[int, int, int, int]]]:
        """The token lemmas of a doc, and its sentences as (first token, end token, start char, end char): the
        boundaries of spaCy's rule-based Sentencizer (a sentence starts at the first token after a run of
        sentence-final marks that is not punctuation itself), overlong ones cut into pieces of
        MAX_SENTENCE_TOKENS tokens, so rules stay linear in length."""
        if not len(doc):
            return [], []
        orths, starts_at = doc.to_array(self.attrs).T.tolist()
        info, entry = self.info, self.entry
        entries = [info.get(orth) or entry(orth) for orth in orths]
        starts = [0]
        seen_final = False
        for i, (_, punct, final, _) in enumerate(entries):
            if seen_final and not punct and not final:
                starts.append(i)
                seen_final = False
            elif final:
                seen_final = True
        starts.append(len(entries))
        spans = []
        for s, e in zip(starts, starts[1:]):
            for a in range(s, e, MAX_SENTENCE_TOKENS):
                b = min(a + MAX_SENTENCE_TOKENS, e)
                spans.append((a, b, starts_at[a], starts_at[b - 1] + entries[b - 1][3]))
        return [e[0] for e in entries], spans


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon()


def lemma_text(text: str) -> str:
    """Lower-case lemmas of the words of `text`, spaces and punctuation other than ( ) : ; , dropped."""
    lex = lexicon()
    return " ".join(x for x in lex.read(lex.nlp.make_doc(text))[0] if x)


@lru_cache(maxsize=4096)
def lemmatize(text: str) -> str:
    return lemma_text(text)


def find_definitions(clauses: tuple[Clause, ...], concepts: dict[str, Pattern]) -> dict[str, tuple[str, ...]]:
    """Defined term (lower case) -> concepts whose patterns its definition matches."""
    found: dict[str, tuple[str, ...]] = {}
    for c in clauses:
        text = c.text
        candidates = [(m.group(1), m.group(2), True) for m in DEFINITION[0].finditer(text)]
        candidates += [(m.group(1), text[max(0, m.start() - 300):m.start()], False) for m in DEFINED_AFTER.finditer(text)]
        for term, body, body_follows in candidates:
            term = term.strip().lower()
            if len(term) < 3 or term in found or term.split()[-1] in NOT_CONTENT:
                continue
            words = body.split()
            read = " ".join(words[:14] if body_follows else words[-14:])
            if body_follows:  # "... means any non-public information ..., including in particular Customer Data"
                read += "".join(" ; " + m.group(1) for m in INCLUDING.finditer(" ".join(words[:80])))
            tags = tuple(name for name, rx in concepts.items() if rx.search(lemmatize(read)))
            if tags:
                found[term] = tags
    for c in clauses:  # one pass: a term is what another term is, or includes another term
        for rx, covered_first, may in ((IS_A, True, MAY_BE_IS_A), (INCLUDES, False, MAY_INCLUDE)):
            if not may.search(c.text):
                continue
            for m in rx.finditer(c.text):
                inner, outer = (m.group(1), m.group(2)) if covered_first else (m.group(2), m.group(1))
                inner, outer = inner.lower(), outer.lower()
                if inner in found and " " in outer and outer != inner:
                    found[outer] = tuple(dict.fromkeys(found.get(outer, ()) + found[inner]))
    return found


def term_marker(definitions: dict[str, tuple[str, ...]], term_lemmas: dict[str, str]):
    """A function that appends a concept marker after each defined term of a lemma string: 'customer content
    κcontent' (κ is a word character no English pattern matches inside, so 'once' does not match in a marker and
    \\bcontent does not), and returns the concepts marked. One pass, longest term first, so 'personal data breach'
    is read as itself and not as 'personal data' + 'breach'."""
    terms = sorted((t for t in definitions if term_lemmas.get(t)), key=lambda t: -len(term_lemmas[t]))
    if not terms:
        return lambda lemmas: (lemmas, ())
    by_lemma = {term_lemmas[t]: definitions[t] for t in terms}
    rx = re.compile(r"\b(" + "|".join(re.escape(term_lemmas[t]) for t in terms) + r")\b")

    def mark_terms(lemmas: str) -> tuple[str, tuple[str, ...]]:
        tags: list[str] = []

        def mark(m: re.Match) -> str:
            concepts = by_lemma[m.group(1)]
            tags.extend(concepts)
            return m.group(0) + " " + " ".join(f"κ{c}" for c in concepts)

        return rx.sub(mark, lemmas), tuple(dict.fromkeys(tags))

    return mark_terms


def strip_number(text: str) -> tuple[str, int]:
    m = CLAUSE_NO.match(text)
    return (text[m.end():], m.end()) if m else (text, 0)


# A yes/no question of an FAQ, read as the statement its answer makes: "Do you train on my data? No." reads
# "we do not train on your data". The asker is the customer (I, my -> you, your), the asked the vendor (you -> we).
QUESTION = re.compile(r"^(do|does|did|will|would|can|could|may|shall|should|be|have|has)\s+(\S+)\s+(.*)$")
ASKER = {"you": "we", "your": "our", "yours": "ours", "i": "you", "my": "your", "me": "you", "mine": "yours",
         "we": "you", "our": "your", "us": "you"}


PRONOUNS = {"we", "you", "they", "it", "anyone", "anybody", "someone", "somebody", "he", "she"}


def faq_statement(question: str, answer: str) -> str:
    words = [ASKER.get(w, w) for w in question.split()]
    reply = answer.split()
    first = reply[0] if reply else ""
    if words and words[0] == "who" and first in PRONOUNS:  # "Who owns the outputs? You do." -> "you own ..."
        return " ".join([first] + words[1:])
    m = QUESTION.match(" ".join(words))
    if not m or first not in ("no", "yes", "not"):
        return " ".join(words)
    aux, subject, rest = m.groups()
    negation = "not " if first != "yes" else ""
    if subject in PRONOUNS:  # "do we train ..." -> "we do not train ..."
        return f"{subject} {aux} {negation}{rest}"
    return f"{negation}{aux} {subject} {rest}"  # a longer subject: keep the order, lead with the answer


def annotate(document: Document, clauses: tuple[Clause, ...],
             concepts: dict[str, Pattern] | None = None) -> AnnotatedDocument:
    definitions = find_definitions(clauses, concepts or {})
    return AnnotatedDocument(document=document, clauses=clauses, sentences=tuple(read_sentences(clauses, definitions)),
                             definitions=definitions)


def read_sentences(clauses: tuple[Clause, ...], definitions: dict[str, tuple[str, ...]]) -> Iterator[Sentence]:
    """The annotated sentences of the clauses in order, made one clause at a time (a reader that does not keep
    them all needs memory for one clause, not for the whole document)."""
    lex = lexicon()
    mark_terms = term_marker(definitions, {t: lemmatize(t) for t in definitions})
    bodies = [strip_number(c.text) for c in clauses]
    for clause, (body, shift), doc in zip(clauses, bodies, map(lex.nlp.make_doc, (b for b, _ in bodies))):
        lead = lemmatize(strip_number(clause.lead_in)[0]) + " : " if clause.lead_in else ""  # "(d) Customer ..."
        lemmas, sents = lex.read(doc)  # once per clause; sentences take their slice
        headings = lemmatize(" > ".join(clause.location.section))
        context = " ".join(x for x in lemmas if x)
        for i, (first, end, start_char, end_char) in enumerate(sents):
            raw = body[start_char:end_char]
            text = LINE_GAP.sub(" ", raw.strip())  # a paragraph rejoined across a line gap
            own = " ".join(x for x in lemmas[first:end] if x)
            question = text.endswith("?")
            if question and i + 1 < len(sents):  # the answers that follow read under the question
                answer = " ".join(x for x in lemmas[sents[i + 1][0]:sents[i + 1][1]] if x)
                lead = faq_statement(own, answer) + " : "
            if len(text) < 4 or (question and i + 1 < len(sents)):
                continue
            lem, tags = mark_terms(lead + own)
            start = clause.location.start + shift + start_char
            yield Sentence(
                text=text,
                clause_index=clause.index,
                location=clause.location.model_copy(update={"start": start, "end": start + len(raw)}),
                lemmas=lem,
                headings=headings,
                context=context,
                negated=any(x in NEGATION for x in lemmas[first:end]),
                exceptions=exceptions_in(text),
                lead_in=clause.lead_in or "",
                durations=durations(f"{clause.lead_in} {text}" if clause.lead_in else text),
                terms=tags,
                definition=bool(DEFINITION[0].match(text) or DEFINITION_CUT.match(text)),
            )
