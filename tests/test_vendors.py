"""Vendors, not files: grouping, versions, precedence, the board page. Documents written for these tests."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLES
from termsgap import engine
from termsgap.extract.segment import segment
from termsgap.extract.text import extract
from termsgap.facts.about import effective_date, title_of
from termsgap.report import render
from termsgap.vendors import kind_of, vendor_in_title

GENERAL = """# Quillon Terms of Service

Last updated: 3 March 2025

## 1. Use of Content

1.1 Quillon may use Customer Content to improve its models.

## 2. Changes

2.1 Quillon may change these Terms at any time without notice.
"""

GENERAL_NEW = GENERAL.replace("3 March 2025", "9 September 2026").replace(
    "Quillon may use Customer Content to improve its models.",
    "Quillon may use Customer Content to improve its models unless Customer opts out.")

DPA = """# Quillon Data Processing Addendum

Effective date: January 5, 2026

## 1. Precedence

1.1 In the event of a conflict between this Addendum and the Terms of Service, this Addendum shall prevail.

## 2. Processing

2.1 Quillon will not use Customer Personal Data to train or improve its models.
"""


def test_title_and_effective_date():
    data = DPA.encode()
    clauses = segment(extract(Path("dpa.md"), data, hashlib.sha256(data).hexdigest()))
    assert title_of(clauses) == "Quillon Data Processing Addendum"
    assert effective_date(clauses) == "2026-01-05"


@pytest.mark.parametrize("title,vendor", [("Acme Ltd — Data Processing Addendum", "Acme Ltd"),
                                          ("Northwind Terms of Service", "Northwind"),
                                          ("Terms of Service", "")])
def test_vendor_named_in_the_title(title, vendor):
    assert vendor_in_title(title) == vendor


def test_kinds():
    assert kind_of("data-processing-addendum") == "dpa"
    assert kind_of("Service Terms") == "specific"
    assert kind_of("terms-of-service") == "general"
    assert kind_of("Privacy Policy") == "privacy"


@pytest.fixture(scope="module")
def quillon(tmp_path_factory, policy):
    """Two versions of general terms and a DPA in one vendor folder, plus a sample in another folder."""
    root = tmp_path_factory.mktemp("vendors")
    (root / "quillon").mkdir()
    (root / "quillon" / "terms-2025.md").write_text(GENERAL, encoding="utf-8")
    (root / "quillon" / "terms-2026.md").write_text(GENERAL_NEW, encoding="utf-8")
    (root / "quillon" / "dpa.md").write_text(DPA, encoding="utf-8")
    (root / "eastbrook").mkdir()
    shutil.copy(SAMPLES / "eastbrook-ai-addendum.md", root / "eastbrook")
    from termsgap.cli.common import expand_inputs
    from termsgap.vendors import folder_vendors

    paths = expand_inputs((str(root),), recursive=True)
    _, result = engine.check(paths, policy, folders=folder_vendors((str(root),), paths))
    return result


def test_a_folder_per_vendor_and_the_newest_version_judged(quillon):
    assert [v.name for v in quillon.vendors] == ["Eastbrook", "Quillon"]
    q = quillon.vendors[1]
    by_source = {d.source.rsplit("/", 1)[-1]: d for d in q.documents}
    assert by_source["terms-2026.md"].judged and not by_source["terms-2025.md"].judged
    assert by_source["terms-2025.md"].superseded_by.endswith("terms-2026.md")
    assert by_source["dpa.md"].kind == "dpa" and by_source["dpa.md"].effective == "2026-01-05"
    # one finding per question and vendor: the counts do not count the old version twice
    assert len(q.findings) == 19
    assert sum(quillon.counts.values()) == 2 * 19


def test_precedence_decides_and_other_readings_are_kept(quillon):
    q = quillon.vendors[1]
    training = next(v for v in q.findings if v.question == "training.customer-content")
    assert training.finding.answer == "never" and training.source.endswith("dpa.md")
    assert "order-of-precedence clause" in training.reason and "this Addendum shall prevail" in training.reason
    assert [(o.answer, o.source.rsplit("/", 1)[-1]) for o in training.others] == [("opt-out", "terms-2026.md")]
    changes = next(v for v in q.findings if v.question == "contract.unilateral-changes")
    assert changes.finding.answer == "no-notice" and changes.source.endswith("terms-2026.md")


def test_board_page_per_vendor_and_comparison(quillon):
    import pypdfium2

    html = render(quillon, "html").decode()
    assert 'id="board"' in html and 'id="comparison"' in html and html.count('class="board-vendor"') == 2
    assert "Your prompts, files and outputs are not used to train" in html  # plain words, not only the slug
    pdf = pypdfium2.PdfDocument(render(quillon, "pdf-summary"))
    pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    for name in ("Eastbrook", "Quillon"):  # each vendor's board page holds its statements and its panel
        (page,) = [p for p in pages if f"{name} — who can see our data" in p]
        assert f"Fine-tuning and AI data at {name}" in page
    assert any("Vendors compared" in p for p in pages)
