"""The CLI end to end: scan (reports, exit codes, bad input), extract, policy, evaluate."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from termsgap.policy import POLICY_DIR
from termsgap.cli import main

import pdf_factory
from conftest import SAMPLES

GOOD = SAMPLES / "cinder-customisation-terms.md"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    (d / "empty.pdf").write_bytes(b"")
    (d / "notapdf.pdf").write_bytes(b"Dear customer, this is a plain letter.\n")
    good_pdf = pdf_factory.two_column_pdf()
    (d / "truncated.pdf").write_bytes(good_pdf[: len(good_pdf) // 3])
    (d / "encrypted.pdf").write_bytes(pdf_factory.encrypted_pdf())
    (d / "scanned.pdf").write_bytes(pdf_factory.scanned_pdf())
    return d


def test_scan_writes_three_reports_and_exits_1_on_gap(tmp_path):
    r = run("scan", GOOD, "--vendor", "Cinder", "--out", tmp_path / "out")
    assert r.exit_code == 1, r.output  # the sample has gaps under the default policy
    for name in ("report.json", "report.html", "report.pdf"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["schema_version"] and data["tool"]["name"] == "termsgap" and data["policy"]["name"] == "default"
    (doc,) = data["documents"]
    assert doc["status"] == "ok" and len(doc["findings"]) == 19
    assert {"question", "answer", "value", "verdict", "confidence", "evidence"} <= set(doc["findings"][0])
    assert "gap" in r.output


def test_scan_exit_0_without_gaps(tmp_path):
    lenient = tmp_path / "lenient.yaml"
    shutil.copy(POLICY_DIR / "checklist.yaml", tmp_path / "checklist.yaml")
    text = (POLICY_DIR / "default.yaml").read_text()
    lenient.write_text(text.replace("    gap:", "    partial:"))
    r = run("scan", GOOD, "--policy", lenient, "--out", tmp_path / "o", "--format", "json", "-q")
    assert r.exit_code == 0, r.output


def test_bad_inputs_each_get_one_line_and_others_are_checked(tmp_path, bad_inputs):
    files = sorted(bad_inputs.iterdir())
    r = run("scan", *files, GOOD, "--out", tmp_path / "o", "--format", "json")
    assert r.exit_code == 2
    data = json.loads((tmp_path / "o" / "report.json").read_text())
    by_name = {d["source"].rsplit("/", 1)[-1]: d for d in data["documents"]}
    assert by_name[GOOD.name]["status"] == "ok" and len(by_name[GOOD.name]["findings"]) == 19
    reasons = {n: d["error"] for n, d in by_name.items() if d["status"] == "error"}
    assert set(reasons) == {"empty.pdf", "notapdf.pdf", "truncated.pdf", "encrypted.pdf", "scanned.pdf"}
    assert "empty" in reasons["empty.pdf"]
    assert "not a PDF" in reasons["notapdf.pdf"]
    assert "password" in reasons["encrypted.pdf"]
    assert "no text layer; run OCR first" in reasons["scanned.pdf"]
    for name, reason in reasons.items():
        assert "\n" not in reason
        assert f"{name}: {reason}" in r.output  # one line on the terminal, naming the file


def test_failed_render_keeps_existing_reports(tmp_path, monkeypatch):
    out = tmp_path / "o"
    assert run("scan", GOOD, "--out", out, "--format", "json", "-q").exit_code == 1
    before = (out / "report.json").read_bytes()
    import dataclasses
    import termsgap.report as report

    def boom(result):
        raise RuntimeError("no Pango here")
    monkeypatch.setitem(report.RENDERERS, "pdf", dataclasses.replace(report.RENDERERS["pdf"], render=boom))
    r = run("scan", GOOD, "--vendor", "changed", "--out", out)
    assert r.exit_code == 2 and "cannot write the reports" in r.output and "no Pango here" in r.output
    assert (out / "report.json").read_bytes() == before
    assert not (out / "report.pdf").exists()


def test_extract_text_and_json():
    r = run("extract", GOOD)
    assert r.exit_code == 0 and "Cinder" in r.output
    r = run("extract", GOOD, "--format", "json")
    clauses = json.loads(r.output)["clauses"]
    assert any(c["location"]["clause"] for c in clauses)
    assert all(c["location"]["sha256"] for c in clauses)


def test_extract_bad_file_is_one_line(bad_inputs):
    r = run("extract", bad_inputs / "notapdf.pdf")
    assert r.exit_code == 2
    assert r.output.strip().count("\n") == 0 and "notapdf.pdf" in r.output


def test_policy_commands():
    assert "strict-eu" in run("policy", "list").output
    r = run("policy", "show", "retention.prompts-outputs")
    assert r.exit_code == 0 and "days<=30" in r.output
    assert run("policy", "validate", POLICY_DIR / "strict-eu.yaml").exit_code == 0
    assert run("policy", "show", "no.such-question").exit_code == 2


def test_evaluate_on_samples(tmp_path):
    wrong = tmp_path / "wrong.txt"
    r = run("evaluate", SAMPLES, SAMPLES, "--json", "--wrong", wrong)
    assert r.exit_code == 0
    summary = json.loads(r.output)["summary"]
    assert summary["pairs"] >= 19 * 4 and summary["false_assurance"] == 0
    assert wrong.exists()


def test_jobs_give_the_same_results(tmp_path):
    """A folder is checked in parallel by default (--jobs auto): the same report as one process, or two."""
    docs = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".md", ".html", ".docx", ".pdf") and p.stem != "README")
    outs = []
    for jobs in ("1", "2", None):
        out = tmp_path / (jobs or "auto")
        run("scan", SAMPLES, *(["--jobs", jobs] if jobs else []), "--out", out, "--format", "json", "-q")
        data = json.loads((out / "report.json").read_text())
        data.pop("created")
        outs.append(data)
    assert outs[0] == outs[1] == outs[2] and len(outs[0]["documents"]) == len(docs)


def test_jobs_auto_is_the_cores_at_most_one_per_document(monkeypatch):
    from termsgap import engine

    monkeypatch.setattr(engine.os, "cpu_count", lambda: 8)
    assert [engine.worker_count("auto", n) for n in (0, 1, 3, 20)] == [1, 1, 3, 8]
    monkeypatch.setattr(engine.os, "cpu_count", lambda: None)
    assert engine.worker_count("auto", 5) == 1 and engine.worker_count(3, 1) == 3
    r = run("scan", GOOD, "--jobs", "0")
    assert r.exit_code == 2 and "neither 'auto' nor a number" in r.output


def test_importing_the_cli_loads_no_heavy_library():
    """--help and --version stay fast: spaCy, numpy, pdfplumber, WeasyPrint, scikit-learn (and pydantic) load
    when a command first needs them."""
    import subprocess
    import sys

    code = ("import sys, termsgap.cli; heavy = ('spacy', 'numpy', 'pdfplumber', 'weasyprint', 'sklearn', "
            "'pydantic', 'pypdfium2'); print(' '.join(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


