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


def test_a_zip_that_claims_a_future_version_is_a_corrupt_docx(tmp_path):
    """zipfile raises NotImplementedError for a member needing zip version 6.4 (found by the fuzz test)."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    data = bytearray(buf.getvalue())
    central = data.index(b"PK\x01\x02")
    data[central + 6] = 64  # version needed to extract: 6.4
    bad = tmp_path / "terms.docx"
    bad.write_bytes(bytes(data))
    with pytest.raises(extract.InputError, match="corrupt DOCX .*zip file version 6.4"):
        extract.load(bad)


def test_a_file_name_with_backticks_stays_inside_its_code_span():
    from termsgap.report.markdown_report import code

    name = "evil``<img src=x onerror=alert(1)>``.pdf"
    span = code(name)
    fence = span.split(" ")[0]
    assert set(fence) == {"`"} and len(fence) > 2 and span.endswith(" " + fence)
    assert fence not in span[len(fence):-len(fence)]  # nothing inside can close it


# --------------------------------------------------------------------------- found by tests/test_fuzz_readers.py

def test_a_list_that_claims_to_start_at_a_huge_number_is_read_at_once(tmp_path):
    """Roman numerals were written one M at a time: <ol start=10**15 type=i> never finished."""
    page = tmp_path / "terms.html"
    page.write_text("<ol start='1000000000000000' type='i'><li>Prompts are deleted after 30 days.</li></ol>")
    assert extract.load(page).blocks[0].text == "1000000000000000. Prompts are deleted after 30 days."


#: inputs on which a reader's regular expressions backtracked quadratically or worse (minutes to hours at this
#: size), as Python expressions; each must now be read (or refused) in well under a second
PATHOLOGICAL = """
from pathlib import Path
from termsgap.extract import InputError, text, docx

MARKDOWN = ['# a' + ' ' * 300_000 + 'b', '[' * 1_000_000, '<a' * 500_000, '| a |\\n' + ' ' * 1_000_000 + 'x']
DOCX_PARAGRAPHS = ['[' * 1_000_000, '* x' + ' ' * 1_000_000 + 'y', '<!--' * 250_000, '1. a' + ' ' * 1_000_000 + 'b']
for s in MARKDOWN:
    try:
        text.extract(Path('terms.md'), s.encode(), '', markdown=True)
    except InputError:
        pass
for s in DOCX_PARAGRAPHS:  # a DOCX paragraph holding Markdown-like text
    docx._MD_HINTS.search(s) and docx._markdown_blocks(Path('terms.docx'), s, None)
"""


def test_pathological_inputs_are_read_in_linear_time():
    """Run in a child process with a generous timeout, so a regression fails instead of hanging the suite."""
    import subprocess
    import sys
    from pathlib import Path

    src = Path(extract.__file__).resolve().parents[2]
    r = subprocess.run([sys.executable, "-c", PATHOLOGICAL], env={**os.environ, "PYTHONPATH": str(src)},
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]


@pytest.mark.parametrize("source", ["# #\n\n- *\n\n| |\n|---|\n| |\n\nText.\n"])
def test_markup_without_text_makes_no_empty_block(tmp_path, source):
    doc = tmp_path / "terms.md"
    doc.write_text(source)
    assert [b.text for b in extract.load(doc).blocks] == ["Text."]


def test_html_that_looks_like_xml_gives_no_parser_warning(tmp_path):
    import warnings

    page = tmp_path / "terms.html"
    page.write_text("<?xml version='1.0'?><html><body><p>Prompts are deleted.</p></body></html>")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert extract.load(page).blocks[0].text == "Prompts are deleted."


@pytest.mark.parametrize("text,expect", [
    ("a: !!timestamp 2027-13-01\n", "month must be in 1..12"),  # ValueError from the date constructor
    ("a: !!float\n", "IndexError"),                               # IndexError from the float constructor
    ("a: !!int x\n", "ValueError"),
    ("- " * 5000 + "x", "nested too deeply"),                     # RecursionError
    ("[" * 5000, "line 1, column 21: [ ] or { } nested deeper than 20 levels"),  # quadratic in PyYAML
    ("<<: \n", "line 1, column 4: expected a mapping"),           # a multi-line PyYAML message
])
def test_every_yaml_failure_is_one_line_naming_the_file(tmp_path, text, expect):
    from termsgap.facts.checklist import ChecklistError, load_checklist
    from termsgap.policy import PolicyError, load_policy
    from termsgap.policy.waivers import WaiverError, parse_waivers

    path = tmp_path / "file.yaml"
    path.write_text(text)
    for load, error in ((load_policy, PolicyError), (load_checklist, ChecklistError),
                        (lambda p: parse_waivers(p.read_text(), str(p)), WaiverError)):
        with pytest.raises(error) as err:
            load(path)
        assert str(err.value).startswith(str(path)) and "\n" not in str(err.value) and expect in str(err.value)


def test_yaml_of_many_small_values_is_stopped_while_it_is_parsed(monkeypatch):
    """Pure-Python PyYAML takes about 15 s per megabyte of tiny values: stop at the budget, not after."""
    import yaml

    from termsgap import safeyaml

    monkeypatch.setattr(safeyaml, "MAX_NODES", 1000)
    with pytest.raises(yaml.YAMLError, match="^YAML holds more than 1000 values$"):
        safeyaml.load("[" + "0, " * 2000 + "0]")
    assert len(safeyaml.load("[" + "0, " * 900 + "0]")) == 901


def test_a_key_holding_a_newline_stays_on_its_error_line(tmp_path):
    from termsgap.policy import PolicyError, POLICY_DIR, load_policy
    from termsgap.policy.waivers import WaiverError, parse_waivers

    import yaml

    policy = yaml.safe_load((POLICY_DIR / "default.yaml").read_text())
    policy["checklist"] = str(POLICY_DIR / "checklist.yaml")
    path = tmp_path / "policy.yaml"
    for key, expect in ((("questions", "evil\nquestions.fake: forged line"), "'evil\\nquestions.fake: forged line'"),
                        ((None, "extra\nkey"), "'extra\\nkey'")):
        bad = {**policy, "questions": dict(policy["questions"])}
        (bad[key[0]] if key[0] else bad)[key[1]] = {"gap": ["x"]}
        path.write_text(yaml.safe_dump(bad))
        with pytest.raises(PolicyError) as err:
            load_policy(path)
        assert str(err.value).startswith(str(path)) and "\n" not in str(err.value) and expect in str(err.value)
    with pytest.raises(WaiverError) as err:
        parse_waivers(yaml.safe_dump({"schema_version": 1, "waivers": [{"question": "a\nb", "bad\nkey": 1}]}), "w.yaml")
    assert all(line.startswith("w.yaml: waivers[0] ('a\\nb')") for line in str(err.value).splitlines())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_policy_or_waivers_file_that_is_a_fifo_a_device_or_not_utf8_is_one_line(tmp_path):
    from termsgap.policy import PolicyError, load_policy
    from termsgap.policy.waivers import WaiverError, load_waivers

    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.yaml"
    zero.symlink_to("/dev/zero")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: caf\xe9\n")
    for path, reason in ((fifo, "not a regular file"), (zero, "not a regular file"), (latin, "not UTF-8 text")):
        with pytest.raises(PolicyError, match=f"^{path}: cannot read policy: {reason}"):
            load_policy(path)
        with pytest.raises(WaiverError, match=f"^{path}: cannot read \\({reason}"):
            load_waivers(path)


def test_a_big_page_keeps_only_its_text_in_memory(tmp_path, monkeypatch):
    """Menus, scripts and hidden parts are dropped while the page is parsed: they do not count against the
    element budget; what is kept does."""
    from termsgap.extract import html

    monkeypatch.setattr(html, "MAX_ELEMENTS", 1000)
    page = tmp_path / "terms.html"
    menu = "<nav><ul>" + "<li><a href='/x'>Product</a></li>" * 5000 + "</ul></nav>"
    page.write_text(f"<html><body>{menu}<p>Prompts are <span hidden>not</span> deleted.</p>"
                    f"<div hidden>{'<b>x</b>' * 5000}</div><p>Logs are kept.</p><script>var a = '<p>code</p>'")
    assert [b.text for b in extract.load(page).blocks] == ["Prompts are deleted.", "Logs are kept."]
    page.write_text("<html><body><p>" + "<b>word</b> " * 2000 + "</p></body></html>")
    with pytest.raises(extract.InputError, match="HTML has more than 1000 elements"):
        extract.load(page)


def test_nul_characters_in_a_page_do_not_end_it(tmp_path):
    page = tmp_path / "terms.html"
    page.write_bytes(b"<html><body><p>Prompts are\x00 deleted.</p><p>Logs are kept.</p></body></html>")
    assert [b.text for b in extract.load(page).blocks] == ["Prompts are deleted.", "Logs are kept."]
