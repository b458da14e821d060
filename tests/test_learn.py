"""The learned reader: annotations as offsets, features, a model that loads from plain arrays, deterministic
training, and how rules and model combine in the detectors. Passages are our own words."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from termsgap.extract.segment import segment
from termsgap.extract.text import extract
from termsgap.facts import detect
from termsgap.learn.annotations import Annotation, Unit, dump_annotation, load_annotation, text_hash
from termsgap.learn.features import features
from termsgap.learn.model import ModelError, ReaderModel, load_model
from termsgap.learn.train import Example, fit
from termsgap.nlp import annotate

from conftest import SAMPLES


def read(text: str, checklist):
    data = text.encode()
    doc = extract(Path("passage.md"), data, hashlib.sha256(data).hexdigest())
    return annotate(doc, segment(doc), checklist.concept_patterns)


def test_annotation_round_trip_and_matching(tmp_path, checklist):
    annotated = read("Vendor will not train models on Customer Content.\n\nInvoices are due in thirty days.", checklist)
    s1, s2 = annotated.sentences
    ann = Annotation("x/y/z.md", "ab" * 32, (
        Unit(s1.location.start, s1.location.end, text_hash(s1.text), ("training.customer-content=never",)),
        Unit(s2.location.start + 5, s2.location.end + 5, text_hash(s2.text), ())))  # a span that moved
    path = tmp_path / "a.yaml"
    path.write_text(dump_annotation(ann))
    back = load_annotation(path)
    assert back == ann
    assert "Vendor" not in path.read_text()  # offsets and hashes, never the text
    assert back.labels_for([s1, s2]) == [("training.customer-content=never",), ()]  # by span, then by hash


def test_features_mark_negation_headings_and_exceptions():
    f = features("we do not use your prompt to train", "security > data use", "unless you opt in")
    assert "n:use" in f and "w:prompt" in f and "b:to_train" in f
    assert "h:security" in f and "x:opt" in f


EXAMPLES = [
    ("we will never train on your prompt", "training.customer-content=never"),
    ("vendor shall not use customer content to train model", "training.customer-content=never"),
    ("we may use your prompt to train and improve our model", "training.customer-content=yes"),
    ("provider use customer content to train model", "training.customer-content=yes"),
    ("we notify you of a data breach within 72 hour", "security.breach-notification=hours"),
    ("provider will notify customer of a security breach without undue delay", "security.breach-notification=undue-delay"),
    ("invoice be due within thirty day", None),
    ("the office be open on weekday", None),
    ("you must keep your password secret", None),
    ("these term be govern by the law of ireland", None),
]


def small_model(checklist) -> tuple[ReaderModel, dict]:
    ex = [Example(tuple(features(t)), (lab,) if lab else (), f"g{i % 3}") for i, (t, lab) in enumerate(EXAMPLES * 2)]
    return fit(ex, checklist, name="test")


def test_training_is_deterministic_and_loads_without_pickle(tmp_path, checklist):
    a, arrays_a = small_model(checklist)
    b, arrays_b = small_model(checklist)
    a.save(tmp_path / "a", arrays_a)
    b.save(tmp_path / "b", arrays_b)
    for name in ("model.json", "weights.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    with np.load(tmp_path / "a" / "weights.npz", allow_pickle=False) as z:  # plain arrays only
        assert "rel_w" in z.files
    model = load_model(tmp_path / "a")
    on = model.read("we will not train on your prompt")["training.customer-content"]
    off = model.read("invoice be due within thirty day")["training.customer-content"]
    assert on.relevance > off.relevance
    assert on.best[0] == "never"


def test_a_folder_that_is_not_a_model_is_one_clear_error(tmp_path):
    (tmp_path / "model.json").write_text("{}")
    with pytest.raises(ModelError, match="not a termsgap model|schema_version"):
        load_model(tmp_path)


def test_the_model_drops_a_rule_hit_on_a_sentence_that_does_not_speak_to_the_question(checklist):
    """A tax-exemption certificate is not a security certification: the rule may match, the model gates it."""
    text = ("Provider will notify Customer of a security breach without undue delay.\n\n"
            "Customer shall provide a valid tax exemption certificate to Provider.")
    doc = read(text, checklist)
    shipped = load_model()
    facts = {f.question: f for f in detect(doc, checklist, shipped)}
    assert facts["security.breach-notification"].answer == "undue-delay"
    assert facts["security.breach-notification"].basis.kind == "rule"
    assert facts["security.audits"].answer == "not-addressed"


def test_confidence_is_a_probability_with_its_basis(checklist):
    doc = read("Vendor will not use Customer Content to train or improve any model.", checklist)
    f = {f.question: f for f in detect(doc, checklist, load_model())}["training.customer-content"]
    assert f.answer == "never"
    assert 0.0 <= f.confidence <= 1.0 and f.basis is not None and f.basis.relevance > 0.5


def test_defined_terms_carry_through_is_a(checklist):
    doc = read("1. \"Client Materials\" means the prompts and outputs Client submits.\n\n"
               "2. Client Materials are Confidential Information of Client.\n\n"
               "3. The recipient shall not disclose Confidential Information to any third party.", checklist)
    assert "κcontent" in doc.sentences[-1].lemmas


def test_users_train_their_own_model_and_scan_with_it(tmp_path):
    """termsgap train on the samples' expected findings (five vendors), then scan --model with it."""
    from click.testing import CliRunner
    from termsgap.cli import main

    runner = CliRunner()
    out = tmp_path / "model"
    r = runner.invoke(main, ["train", str(SAMPLES), str(SAMPLES), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert (out / "model.json").exists() and (out / "weights.npz").exists()
    r = runner.invoke(main, ["scan", str(SAMPLES / "eastbrook-ai-addendum.md"), "--model", str(out),
                             "--format", "json", "--out", str(tmp_path / "r"), "-q"])
    assert r.exit_code in (0, 1), r.output
    r = runner.invoke(main, ["scan", str(SAMPLES / "eastbrook-ai-addendum.md"), "--model", str(tmp_path),
                             "--format", "json", "--out", str(tmp_path / "r2"), "-q"])
    assert r.exit_code == 2 and "not a termsgap model" in r.output


def test_a_list_item_reads_its_lead_in_with_its_period(tmp_path, checklist):
    """'Within thirty (30) days after termination, X will: (a) delete ...': the item answers, the lead-in
    gives the period."""
    from termsgap import engine

    doc = tmp_path / "dpa.md"
    doc.write_text("# Addendum\n\n## 9. Return and Deletion\n\n"
                   "Within thirty (30) days after the termination of the Agreement, Northwind will:\n\n"
                   "(a) delete all Customer Personal Data from its systems; and\n\n"
                   "(b) certify the deletion to Customer in writing upon request.\n")
    facts = {f.question: f for f in engine.analyse(doc, checklist).facts}
    f = facts["retention.post-termination"]
    assert (f.answer, f.value) == ("deleted", 30)
    assert f.evidence[0].clause == "(a)" and f.evidence[0].section.endswith("9. Return and Deletion")


def test_a_sentence_annotated_in_pieces_carries_their_labels(checklist):
    """A paragraph once read in two pieces (a line gap) and now read whole keeps the labels of both pieces."""
    (whole,) = read("Vendor will not train models on the Customer Content it stores.", checklist).sentences
    mid = whole.location.start + 20
    ann = Annotation("x/y/z.md", "ab" * 32, (
        Unit(whole.location.start, mid, "00000000", ("training.customer-content=never",)),
        Unit(mid + 2, whole.location.end, "11111111", ("retention.prompts-outputs=until-deleted",)),
        Unit(whole.location.end + 10, whole.location.end + 40, "22222222", ("security.audits=none",))))
    assert ann.labels_for([whole]) == [("training.customer-content=never", "retention.prompts-outputs=until-deleted")]
