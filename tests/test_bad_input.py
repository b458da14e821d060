"""Hostile and huge inputs (issue 9, first classes): one line per failure, the other documents still checked."""
from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from termsgap import extract
from termsgap.cli import main

from conftest import SAMPLES

GOOD = SAMPLES / "eastbrook-ai-addendum.md"


def scan(tmp_path, *inputs):
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["scan", *map(str, inputs), "--format", "json", "--out", str(out), "-q"])
    docs = {d["source"]: d for d in json.loads((out / "report.json").read_text())["documents"]}
    return r, docs


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "terms.md"
    os.mkfifo(fifo)
    r, docs = scan(tmp_path, fifo, GOOD)
    assert r.exit_code == 2
    assert "not a regular file" in docs[str(fifo)]["error"]
    assert docs[str(GOOD)]["status"] == "ok" and len(docs[str(GOOD)]["findings"]) == 19


def test_a_symlink_loop_and_a_device_cost_nothing_else(tmp_path):
    loop = tmp_path / "loop.md"
    loop.symlink_to(loop)
    zero = tmp_path / "zero.md"
    zero.symlink_to("/dev/zero")
    r, docs = scan(tmp_path, loop, zero, GOOD)
    assert r.exit_code == 2, r.output
    assert "symbolic links" in docs[str(loop)]["error"]
    assert "not a regular file" in docs[str(zero)]["error"]
    assert docs[str(GOOD)]["status"] == "ok"
    assert r.output.count("termsgap:") >= 2 and "Traceback" not in r.output


def test_a_file_over_the_byte_limit_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setattr(extract, "MAX_INPUT_BYTES", 1000)
    big = tmp_path / "big.md"
    big.write_text("Vendor terms. " * 200)
    with pytest.raises(extract.InputError, match="file too large .*TERMSGAP_MAX_INPUT_BYTES"):
        extract.load(big)


def test_a_paragraph_longer_than_spacys_limit_is_read(tmp_path, checklist):
    """Over 1,000,000 characters in one clause with no sentence breaks: read in pieces, not an E088 error."""
    from termsgap import engine

    long = tmp_path / "long.md"
    words = "the provider will process customer data only on instructions and will not use it to train models "
    long.write_text("# Terms\n\n" + words * 11000 + "\n")
    df = engine.analyse(long, checklist)
    assert df.status == "ok", df.error
    assert len(df.facts) == 19


BOMB = "schema_version: 1\n" + "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)) + "waivers: *a9\n"


def test_yaml_aliases_expanding_past_the_budget_are_one_line(tmp_path):
    """A few hundred bytes of nested aliases (billions of values) fail fast with one line, for waivers and
    policies alike."""
    from termsgap.policy import PolicyError, load_policy
    from termsgap.policy.waivers import WaiverError, parse_waivers

    with pytest.raises(WaiverError) as err:
        parse_waivers(BOMB, "waivers.yaml")
    assert "more than" in str(err.value) and len(str(err.value)) < 200
    bad = tmp_path / "policy.yaml"
    bad.write_text(BOMB)
    with pytest.raises(PolicyError) as err:
        load_policy(bad)
    assert "more than" in str(err.value) and len(str(err.value).splitlines()) == 1


def test_deeply_nested_html_is_one_line_and_the_rest_is_checked(tmp_path):
    deep = tmp_path / "deep.html"
    deep.write_text("<html><body>" + "<div>" * 100_000 + "<p>Vendor will not train on your data.</p>"
                    + "</div>" * 100_000 + "</body></html>")
    r, docs = scan(tmp_path, deep, GOOD)
    assert r.exit_code == 2
    assert "nested too deeply" in docs[str(deep)]["error"]
    assert docs[str(GOOD)]["status"] == "ok"


def test_a_utf16_text_file_is_text_not_binary(tmp_path):
    doc = tmp_path / "terms.txt"
    doc.write_bytes("Vendor Terms\n\nProvider will not use Customer Content to train its models.\n".encode("utf-16"))
    assert "Customer Content" in extract.load(doc).text


def test_a_docx_that_inflates_past_the_limit_is_refused_before_inflating(tmp_path, monkeypatch):
    import zipfile

    from termsgap.extract import docx as docx_reader

    monkeypatch.setattr(docx_reader, "MAX_INFLATED", 1_000_000)
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>" + " " * 2_000_000 + "</w:document>")
    with pytest.raises(extract.InputError, match="inflates to .* TERMSGAP_MAX_DOCX_INFLATED"):
        extract.load(bomb)


def test_a_file_name_with_backticks_stays_inside_its_code_span():
    from termsgap.report.markdown_report import code

    name = "evil``<img src=x onerror=alert(1)>``.pdf"
    span = code(name)
    fence = span.split(" ")[0]
    assert set(fence) == {"`"} and len(fence) > 2 and span.endswith(" " + fence)
    assert fence not in span[len(fence):-len(fence)]  # nothing inside can close it
