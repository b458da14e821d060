"""scan in CI and on a terminal (issue 10): --fail-on, --soft-fail, --check/--skip-check, --quiet, settings files,
the terminal summary, mistakes that leave nothing behind, and help that documents every command."""
from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from termsgap import engine
from termsgap.cli import main
from termsgap.history import Store
from termsgap.models import RunResult
from termsgap.report import available_formats, summary_text
from termsgap.report.terminal import want_color

from conftest import ROOT, SAMPLES

ACME = SAMPLES / "acme-enterprise-dpa.docx"  # review 2, no gap or partial under the default policy
DOVETAIL = SAMPLES / "dovetail-platform-agreement.pdf"  # gap 3, review 2, partial 5
GAPS = ("training.fine-tuning-data", "training.fine-tuned-model-exclusive", "retention.fine-tuning-data")


@pytest.fixture(scope="module", autouse=True)
def shared_checks():
    """Each distinct scan is read once per module: later scans of the same documents reuse the facts and
    result (the progress lines are replayed), so the CLI's own behaviour is what these tests exercise."""
    real, cache = engine.check, {}

    def check(paths, policy, *, progress=None, **kw):
        key = (tuple(map(str, paths)), policy.name, policy.version, kw.get("vendor"), tuple(kw.get("waivers", ())))
        if key not in cache:
            cache[key] = real(paths, policy, **kw)
        for df in cache[key][0]:
            if progress:
                progress(df)
        return cache[key]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "check", check)
        yield


def run(*args, env=None):
    return CliRunner(env=env).invoke(main, [str(a) for a in args], catch_exceptions=False)


def scan(tmp_path, *args, env=None):
    """Scan into tmp_path/out (JSON and Markdown); returns the click result and the JSON report (or None)."""
    out = tmp_path / "out"
    r = run("scan", *args, "--out", out, "--format", "json", "--format", "md", env=env)
    report = out / "report.json"
    return r, (json.loads(report.read_text()) if report.exists() else None)


def questions(data) -> list[str]:
    return [f["question"] for d in data["documents"] for f in d["findings"]]


# --------------------------------------------------------------------------- exit codes

@pytest.mark.parametrize("doc, fail_on, code", [
    (ACME, None, 0), (ACME, "gap", 0), (ACME, "review", 1), (ACME, "partial", 1), (ACME, "never", 0),
    (DOVETAIL, None, 1), (DOVETAIL, "never", 0),
])
def test_fail_on(tmp_path, doc, fail_on, code):
    r, _ = scan(tmp_path, doc, *(("--fail-on", fail_on) if fail_on else ()))
    assert r.exit_code == code, r.output


def test_soft_fail_passes_findings_but_not_input_errors(tmp_path):
    assert scan(tmp_path, DOVETAIL, "--soft-fail")[0].exit_code == 0
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    r, data = scan(tmp_path, DOVETAIL, empty, "--soft-fail")
    assert r.exit_code == 2 and f"{empty}: empty file" in r.output
    assert [d["status"] for d in data["documents"]] == ["ok", "error"]


def test_fails_follows_the_verdicts():
    from termsgap.models import DocumentResult, Finding, PolicyInfo, ToolInfo, Verdict

    def result(verdict):
        f = Finding(question="q.x", answer="a", verdict=verdict, confidence=1.0)
        return RunResult(tool=ToolInfo(version="0"), policy=PolicyInfo(name="p", version="1"),
                         documents=(DocumentResult(source="x.md", findings=(f,)),))

    table = {v: [on for on in ("gap", "review", "partial", "never") if result(v).fails(on)] for v in Verdict}
    assert table == {Verdict.GAP: ["gap", "review", "partial"], Verdict.REVIEW: ["review", "partial"],
                     Verdict.PARTIAL: ["partial"], Verdict.NOT_ADDRESSED: [], Verdict.WAIVED: [],
                     Verdict.COMPLIANT: []}


# --------------------------------------------------------------------------- --check / --skip-check

def test_check_narrows_reports_summary_and_exit_code_but_history_keeps_every_question(tmp_path):
    r, data = scan(tmp_path, DOVETAIL, "--check", "security.audits,access.subprocessors", "--check",
                   "location.data-residency")
    assert r.exit_code == 0, r.output  # a review and a partial, no gap among them
    assert questions(data) == ["access.subprocessors", "location.data-residency", "security.audits"]
    assert len(data["skipped"]) == 16 and "training.customer-content" in data["skipped"]
    assert data["counts"]["review"] == 1 and data["counts"]["gap"] == 0
    md = (tmp_path / "out" / "report.md").read_text()
    assert "| Not checked | 16 questions left out of this report: `training.customer-content`" in md
    assert "16 questions skipped: training.customer-content" in r.output
    assert "retention.fine-tuning-data" not in r.output.split("skipped:")[1].split("\n", 1)[1]
    with Store(str(tmp_path / "history.db")) as store:
        stored = store.run(store.latest_run_id()).result
    assert len(stored.documents[0].findings) == 19 and stored.skipped == ()


def test_skip_check_and_fail_on_work_together(tmp_path):
    r, data = scan(tmp_path, DOVETAIL, "--skip-check", ",".join(GAPS))
    assert r.exit_code == 0 and data["counts"]["gap"] == 0 and len(questions(data)) == 16
    assert sorted(data["skipped"]) == sorted(GAPS)
    assert scan(tmp_path, DOVETAIL, "--skip-check", ",".join(GAPS), "--fail-on", "review")[0].exit_code == 1


@pytest.mark.parametrize("args, message", [
    (("--check", "security.audit"), "termsgap: --check: unknown question 'security.audit' (did you mean "
                                    "security.audits?)"),
    (("--skip-check", "training.customer-content,zzz"), "termsgap: --skip-check: unknown question 'zzz' "
                                                        "(see: termsgap policy list)"),
    (("--check", "security.audits", "--skip-check", "security.audits"), "termsgap: --check and --skip-check "
                                                                        "leave no question to check"),
])
def test_a_bad_selection_is_one_line_and_writes_nothing(tmp_path, args, message):
    r, data = scan(tmp_path, DOVETAIL, *args)
    assert r.exit_code == 2 and r.output == message + "\n" and data is None
    assert not (tmp_path / "out").exists()


def test_only_is_a_view_naming_what_it_left_out(tmp_path):
    r, _ = scan(tmp_path, ACME)
    full = RunResult.model_validate(
        {k: v for k, v in json.loads((tmp_path / "out" / "report.json").read_text()).items() if k != "counts"})
    one = full.only(["security.encryption"])
    assert [f.question for f in one.documents[0].findings] == ["security.encryption"]
    assert len(one.skipped) == 18 and len(full.documents[0].findings) == 19  # the original is untouched
    assert one.only([]).skipped[-1] == "security.encryption" and len(one.only([]).skipped) == 19


# --------------------------------------------------------------------------- the terminal summary

def test_quiet_prints_the_findings_only(tmp_path):
    r, _ = scan(tmp_path, DOVETAIL, ACME, "-q", env={"COLUMNS": "250"})
    lines = r.output.splitlines()
    assert lines[0] == f"{DOVETAIL}  gap 3 · review 1 · partial 5"
    assert f"{ACME}  review 1" in lines
    rows = [l for l in lines if not l.startswith(str(SAMPLES))]
    assert len(rows) == 10 and all(re.match(r"  (gap|review|partial) ", l) for l in rows)


@pytest.mark.parametrize("columns", [60, 80, 160])
def test_summary_fits_the_terminal_and_says_what_to_open(tmp_path, columns):
    out = tmp_path / "out"
    r = run("scan", DOVETAIL, ACME, "--out", out, "--format", "json", "--format", "html",
            env={"COLUMNS": str(columns)})
    lines = r.output.splitlines()
    assert lines[-2:] == [f"reports in {out}: report.json, report.html", f"open {out / 'report.html'}"]
    assert all(len(l) <= columns for l in lines[:-2]), [l for l in lines if len(l) > columns]
    assert "\x1b[" not in r.output  # not a terminal: no colour
    assert lines[1].startswith("gap 3 · review 2 · partial 5 · not-addressed 7")
    assert lines[2].startswith("gap: breaks the policy · review: needs a person")
    vendor = lines.index("Dovetail Labs")  # grouped by vendor, then document: rows carry no path
    line = f"  {DOVETAIL}  gap 3 · review 1 · partial 5"
    assert lines[vendor + 1] == line or (len(line) > columns and DOVETAIL.name in lines[vendor + 1])
    rows = [l for l in lines if re.match(r"    (gap|review|partial) ", l)]
    assert len(rows) == 10 and not any(str(SAMPLES) in l or "§" in l for l in rows)
    gap = rows[0]  # worst first, then checklist order
    assert gap.startswith("    gap      training.fine-tun")
    if columns >= 80:
        assert "p. 3, clause 16.5" in gap
    if columns == 160:
        assert "“Notwithstanding Section 5.2" in gap and gap.endswith("…")  # the quote, cut to fit
        assert "deleted (90 days)" in r.output and "notice-only (14 days' n…" in r.output  # answers cut to fit


def test_colour_on_a_terminal_only_and_never_with_no_color(tmp_path, monkeypatch):
    r, data = scan(tmp_path, DOVETAIL)
    result = RunResult.model_validate({k: v for k, v in data.items() if k != "counts"})
    coloured = summary_text(result, color=True, width=100)
    assert click.style("gap", fg="red", bold=True) in coloured
    assert click.unstyle(coloured) == summary_text(result, width=100)

    class Tty:
        def isatty(self):
            return True
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert want_color(Tty()) and not want_color(object())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not want_color(Tty())
    monkeypatch.setenv("NO_COLOR", "")  # no-color.org: present and not empty
    assert want_color(Tty())


# --------------------------------------------------------------------------- mistakes leave nothing behind

def test_no_readable_input_writes_and_stores_nothing(tmp_path):
    r, data = scan(tmp_path, tmp_path / "nosuch.pdf")
    assert r.exit_code == 2 and data is None and not (tmp_path / "out").exists()
    assert r.output == f"termsgap: {tmp_path / 'nosuch.pdf'}: cannot read file (No such file or directory)\n"
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    r, data = scan(tmp_path, empty, tmp_path / "nosuch.pdf")
    assert r.exit_code == 2 and data is None and len(r.output.splitlines()) == 2
    assert not (tmp_path / "history.db").exists() or Store(str(tmp_path / "history.db")).runs() == []


def test_unknown_policy_lists_the_policies(tmp_path):
    r, data = scan(tmp_path, ACME, "--policy", "strictest")
    assert r.exit_code == 2 and data is None
    assert r.output == "termsgap: --policy: no policy file or name 'strictest' (policies: default, strict-eu)\n"


# --------------------------------------------------------------------------- settings files

def test_settings_file_supplies_defaults_and_the_command_line_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TERMSGAP_DB")
    (tmp_path / ".termsgap.yaml").write_text(
        "policy: strict-eu\nformats: [json]\nfail-on: never\ncheck: [security.audits, access.subprocessors]\n"
        "vendor: Dovetail\nout: from-config\ndb: hist.db\njobs: 1\n")
    r = run("scan", DOVETAIL)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "from-config").iterdir()) == ["report.json"]
    data = json.loads((tmp_path / "from-config" / "report.json").read_text())
    assert data["policy"]["name"] == "strict-eu" and data["vendor"] == "Dovetail"
    assert questions(data) == ["access.subprocessors", "security.audits"]
    assert Store("hist.db").runs()[0].vendor == "Dovetail"
    r = run("scan", DOVETAIL, "--fail-on", "review", "--format", "md", "--out", "cli", "--check", "security.audits")
    assert r.exit_code == 1 and [p.name for p in (tmp_path / "cli").iterdir()] == ["report.md"]
    assert "Not checked | 18 questions" in (tmp_path / "cli" / "report.md").read_text()
    monkeypatch.setenv("TERMSGAP_DB", str(tmp_path / "env.db"))  # an environment variable beats the file
    run("scan", DOVETAIL, "-q")
    assert (tmp_path / "env.db").exists() and len(Store("hist.db").runs()) == 2


def test_pyproject_table_and_explicit_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.termsgap]\nfail-on = "review"\n'
                                             'skip-check = ["security.audits"]\nout = "py"\nformats = ["json"]\n')
    r = run("scan", ACME)
    assert r.exit_code == 1 and "security.audits" in json.loads((tmp_path / "py" / "report.json").read_text())[
        "skipped"]
    other = tmp_path / "ci" / "termsgap.yaml"
    other.parent.mkdir()
    other.write_text("fail-on: never\nout: explicit\nformats: [json]\n")
    r = run("scan", ACME, "--config", other)
    assert r.exit_code == 0 and (tmp_path / "explicit" / "report.json").exists()  # only the named file is read
    (tmp_path / ".termsgap.yaml").write_text("out: yaml\nformats: [json]\n")  # first in CONFIG_FILES
    run("scan", ACME, "-q")
    assert (tmp_path / "yaml" / "report.json").exists()


@pytest.mark.parametrize("text, message", [
    ("fail-on: sometimes\n", ".termsgap.yaml: fail-on: 'sometimes' is not one of 'gap', 'review', 'partial', "
                             "'never'."),
    ("jobs: 0\n", ".termsgap.yaml: jobs: 0 is neither 'auto' nor a number from 1 to 64"),
    ("soft-fail: maybe\n", ".termsgap.yaml: soft-fail: 'maybe' is not a valid boolean."),
    ("colour: always\n", ".termsgap.yaml: unknown key 'colour' (known: policy, formats, waivers, db, fail-on, "
                         "soft-fail, check, skip-check, jobs, vendor, vendors, out)"),
    ("vendor: [a, b]\n", ".termsgap.yaml: vendor: one value, not a list"),
    ("out:\n", ".termsgap.yaml: out: no value"),
    ("policy: strictest\n", ".termsgap.yaml: policy: no policy file or name 'strictest' (policies: default, "
                            "strict-eu)"),
    ("check: [security.audit]\n", ".termsgap.yaml: check: unknown question 'security.audit' (did you mean "
                                  "security.audits?)"),
    ("fail-on: [gap\n", ".termsgap.yaml: not valid YAML: line 2, column 1: expected"),
    ("- gap\n", ".termsgap.yaml: the configuration is a mapping of settings (keys: policy, formats"),
])
def test_a_bad_setting_is_one_line_naming_the_file_and_key(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".termsgap.yaml").write_text(text)
    r = run("scan", ACME, "--out", "o")
    assert r.exit_code == 2 and r.output.startswith("termsgap: " + message) and r.output.count("\n") == 1, r.output
    assert not (tmp_path / "o").exists()


def test_bad_toml_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.termsgap\n")
    r = run("scan", ACME)
    assert r.exit_code == 2 and r.output.startswith("termsgap: pyproject.toml: not valid TOML:")
    assert r.output.count("\n") == 1


# --------------------------------------------------------------------------- help and docs

def _commands(cmd=main, path=()):
    yield path, cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _commands(sub, path + (name,))


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for path, cmd in _commands():
        name = " ".join(("termsgap",) + path)
        assert cmd.help and cmd.help.strip(), name
        options = [p for p in cmd.params if isinstance(p, click.Option)]
        assert all(p.help for p in options), (name, [p.name for p in options if not p.help])
        text = run(*path, "--help").output
        for p in options:
            if p.envvar:
                assert p.envvar in text, (name, p.envvar)
        if path:  # `termsgap policy show ...`, or `termsgap policy list | show ID | validate FILE`
            pattern = r"termsgap " + r" ".join(map(re.escape, path[:-1])) + (r" [^\n]*\b" if path[:-1] else "")
            assert re.search(pattern + re.escape(path[-1]) + r"\b", readme), f"{name} is not in README.md"


def test_scan_help_names_its_formats_and_environment():
    text = " ".join(run("scan", "--help").output.split())
    for fmt in available_formats():
        assert re.search(rf"\b{fmt}\b", text), fmt
    for var in ("TERMSGAP_DB", "TERMSGAP_MODEL", "NO_COLOR", "COLUMNS", "TERMSGAP_MAX_INPUT_BYTES"):
        assert var in text, var


def test_policy_list_shows_the_question_ids():
    text = run("policy", "list").output
    assert "strict-eu" in text and re.search(r"^  security\.audits +Are there audit rights", text, re.M)


def test_fail_on_choices_are_the_result_model_s():
    """scan names its --fail-on choices without importing the models (fast --help): they must stay the same."""
    from termsgap.cli.scan import scan as scan_command
    from termsgap.models import FAIL_ON

    (option,) = [p for p in scan_command.params if p.name == "fail_on"]
    assert list(option.type.choices) == list(FAIL_ON)
