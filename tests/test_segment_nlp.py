"""Segmentation and NLP annotation, on passages written for these tests."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from termsgap.extract.segment import clause_number, segment
from termsgap.extract.text import extract
from termsgap.nlp import annotate
from termsgap.nlp.numbers import durations, words_to_number

DOC = """# Quillon Data Terms

## 1. Definitions

"Client Material" means the prompts and files that Client submits, and the responses generated for Client.

## 4. Use of Client Material

4.1 Quillon will not use Client Material to train its models unless Client opts in.

4.2 Client Material is kept for a maximum of thirty (30) days.

When Client submits a request, Quillon:

- does NOT share it with other clients;
- deletes it within seventy-two (72) hours of a deletion request.

| Sub-processor | Purpose | Location |
|---|---|---|
| Nimbus Hosting | Hosting | Ireland |
"""


@pytest.fixture(scope="module")
def annotated(checklist):
    data = DOC.encode()
    doc = extract(Path("quillon.md"), data, hashlib.sha256(data).hexdigest())
    return annotate(doc, segment(doc), checklist.concept_patterns)


@pytest.mark.parametrize("text,number", [("4.2 Client Material", "4.2"), ("B. Security", "B."), ("(a) the", "(a)"),
                                         ("(iv) items", "(iv)"), ("2024 was a year", None), ("Plain text", None)])
def test_clause_numbers(text, number):
    assert clause_number(text) == number


def test_clauses_keep_provenance(annotated):
    c = next(c for c in annotated.clauses if c.text.startswith("4.2"))
    assert c.location.clause == "4.2"
    assert c.location.section == ("Quillon Data Terms", "4. Use of Client Material")
    assert c.location.line == 11
    assert annotated.document.text[c.location.start:c.location.end] == c.text


def test_list_items_read_with_their_lead_in(annotated):
    items = [c for c in annotated.clauses if c.kind == "list_item"]
    assert len(items) == 2 and all(c.lead_in.startswith("When Client submits") for c in items)
    s = next(s for s in annotated.sentences if "does NOT share" in s.text)
    assert s.lemmas.startswith("when client submit a request")
    assert s.negated


def test_table_rows_keep_cells_together(annotated):
    rows = [c for c in annotated.clauses if c.kind == "table_row"]
    assert rows[-1].cells == ("Nimbus Hosting", "Hosting", "Ireland")


def test_defined_terms_carry_their_concepts(annotated):
    assert "content" in annotated.definitions["client material"]
    s = next(s for s in annotated.sentences if s.text.startswith("Quillon will not use"))
    assert "κcontent" in s.lemmas and "content" in s.terms
    assert s.exceptions == ("unless Client opts in",)
    assert next(s for s in annotated.sentences if s.text.startswith('"Client Material" means')).definition


def test_durations_in_words_and_digits(annotated):
    s = next(s for s in annotated.sentences if "maximum of thirty" in s.text)
    (d,) = s.durations
    assert (d.value, d.unit, d.qualifier) == (30, "days", "max")


@pytest.mark.parametrize("text,value,unit,qual", [
    ("within seventy-two (72) hours", 72, "hours", "max"),
    ("no later than 48 hours", 48, "hours", "max"),
    ("ten business days' notice", 10, "business-days", "exact"),
    ("at least fifteen days before", 15, "days", "min"),
    ("up to one hundred and twenty days", 120, "days", "max"),
    ("at least 45 (forty-five) days' notice", 45, "days", "min"),
])
def test_duration_parsing(text, value, unit, qual):
    (d,) = durations(text)
    assert (d.value, d.unit, d.qualifier) == (value, unit, qual)


def test_words_to_number():
    assert words_to_number("ninety-nine") == 99
    assert words_to_number("thirty") == 30
    assert words_to_number("banana") is None


def test_no_model_download(monkeypatch):
    """The pipeline is blank English plus lookup tables shipped in a package: nothing is fetched."""
    from termsgap.nlp.pipeline import get_nlp
    nlp, table = get_nlp()
    assert nlp.pipe_names == []          # the tokenizer alone: sentences are split from its token ids
    assert table.get("retained") == "retain"


def test_a_paragraph_cut_at_a_line_gap_reads_whole(checklist):
    text = ("# Terms\n\nWhere an authority asks for Client Material, Quillon will tell\n\n"
            "the Client first, unless the law forbids it.\n\n(b) every other request is refused.\n\n"
            "This sentence ends here.\n\nlower case after a full stop stays its own paragraph.\n")
    data = text.encode()
    doc = extract(Path("cut.md"), data, hashlib.sha256(data).hexdigest())
    annotated = annotate(doc, segment(doc), checklist.concept_patterns)
    assert [c.text.split()[0] for c in annotated.clauses] == ["Where", "(b)", "This", "lower"]
    joined = annotated.sentences[0]
    assert joined.text == ("Where an authority asks for Client Material, Quillon will tell the Client first, "
                           "unless the law forbids it.")
    # the span still points at the source text, gap included
    assert doc.text[joined.location.start:joined.location.end].split() == joined.text.split()


SENTENCE_TEXTS = [
    "Quillon keeps logs for 30 days. It deletes them after that! Does it share them? No.",
    "See Section 4.2 (Retention)... Then read the annex.  Two spaces follow this one.\n\nA new line starts here",
    "The Client may object within ten (10) days.\" Quillon replies. \u201cQuoted.\u201d Next one",
    "e.g. this is not a sentence end, i.e. neither is this; the U.S. office, however, is one.",
    "Ends with marks?! And more... And an ellipsis \u2026 then text. 3.5 stays whole. Last",
    "", "   ", ".", "No final mark", "!!! ??? ...", "A. B. C.", "(a) first; (b) second. (c) third",
]


@pytest.mark.parametrize("text", SENTENCE_TEXTS)
def test_sentences_are_spacys_sentencizer(text):
    """Sentences are split from token ids with the rule of spaCy's Sentencizer: the same boundaries."""
    import spacy

    from termsgap.nlp.pipeline import lexicon

    reference = spacy.blank("en")
    reference.add_pipe("sentencizer")
    doc = reference(text)
    lex = lexicon()
    lemmas, sents = lex.read(lex.nlp.make_doc(text))
    assert [(s.start, s.end, s.start_char, s.end_char) for s in doc.sents] == sents
    assert len(lemmas) == len(doc)


def test_overlong_sentences_are_read_in_pieces():
    from termsgap.nlp.pipeline import MAX_SENTENCE_TOKENS, lexicon

    lex = lexicon()
    text = " ".join(["word"] * (2 * MAX_SENTENCE_TOKENS + 5)) + ". Short one."
    _, sents = lex.read(lex.nlp.make_doc(text))
    assert [(a, b) for a, b, _, _ in sents] == [(0, 300), (300, 600), (600, 2 * MAX_SENTENCE_TOKENS + 6),
                                                 (2 * MAX_SENTENCE_TOKENS + 6, 2 * MAX_SENTENCE_TOKENS + 9)]
    assert text[sents[-1][2]:sents[-1][3]] == "Short one."


@pytest.mark.parametrize("text", [
    "Customer Content is Confidential Information.", "“Customer Data” shall be deemed Personal Data of the Customer.",
    "Confidential Information includes all Customer Content.", "The eBay Store Data constitutes Client Material.",
    "Outputs will be the Customer's Property.", "no capital letters is here", "Nothing Here to see."])
def test_definition_pre_tests_rule_out_only_clauses_without_a_match(text):
    from termsgap.nlp.pipeline import INCLUDES, IS_A, MAY_BE_IS_A, MAY_INCLUDE

    assert bool(MAY_BE_IS_A.search(text)) or not IS_A.search(text)
    assert bool(MAY_INCLUDE.search(text)) or not INCLUDES.search(text)
    samples = Path(__file__).resolve().parents[1] / "contracts_samples"
    for path in sorted(samples.glob("*.md")) + sorted(samples.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert bool(MAY_BE_IS_A.search(line)) or not IS_A.search(line)
            assert bool(MAY_INCLUDE.search(line)) or not INCLUDES.search(line)
