"""End to end on real successive versions of vendor terms (../shared/corpus/text): watch, recheck, replace, recheck.

The change report must name exactly the facts whose answer or value differ between the engine's own analyses of
the two versions (the engine is not perfect yet, so the gold labels are not the oracle here). How those engine
changes compare with the gold-label changes is printed, not asserted (run with -s to see it).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from termsgap.cli import main
from termsgap.cli.common import resolve_policy
from termsgap.engine import analyse
from termsgap.history.diff import ChangeReport

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"

PAIRS = [
    ("openai", "data-processing-addendum", "2025-11-11", "2026-06-29"),
    ("perplexity", "data-processing-addendum", "2025-11-11", "2026-08-19"),
    ("aws", "service-terms-s50-ai-services", "2022-11-28", "2024-09-26"),
    ("aws", "service-terms-s50-ai-services", "2024-09-26", "2026-08-21"),
    ("microsoft", "azure-openai-data-privacy", "2024-12-17", "2025-10-03"),
    ("openai", "enterprise-privacy", "2026-01-08", "2026-08-22"),
    ("openai", "services-agreement", "2025-11-24", "2026-08-22"),
]

pytestmark = pytest.mark.skipif(not (CORPUS / "text").is_dir(), reason="shared corpus not available")


@pytest.fixture(scope="module")
def checklist():
    return resolve_policy(None).load_checklist()


def _num(v):
    return float(v) if isinstance(v, (int, float)) else v


def engine_changes(old: Path, new: Path, checklist) -> set[str]:
    """Questions whose answer differs between the engine's analyses of the two files, or whose numbers differ
    where both state one (the corpus README's rule, applied to the engine's own answers)."""
    a = {f.question: f for f in analyse(old, checklist).facts}
    b = {f.question: f for f in analyse(new, checklist).facts}

    def numbers_differ(x, y):
        return isinstance(x, (int, float)) and isinstance(y, (int, float)) and float(x) != float(y)
    return {q for q in a.keys() | b.keys()
            if q not in a or q not in b or a[q].answer != b[q].answer or numbers_differ(a[q].value, b[q].value)}


def gold_changes(vendor: str, doc: str, old: str, new: str) -> set[str]:
    """The corpus README's rule: no reading in common, or both carry a number and the numbers differ."""
    def labels(date):
        path = CORPUS / "gold" / vendor / doc / f"{date}.gold.yaml"
        return yaml.safe_load(path.read_text(encoding="utf-8"))["labels"]
    a, b = labels(old), labels(new)
    out = set()
    for q in a.keys() & b.keys():
        if not set(map(str, a[q]["answers"])) & set(map(str, b[q]["answers"])):
            out.add(q)
        elif a[q].get("value") is not None and b[q].get("value") is not None and \
                _num(a[q]["value"]) != _num(b[q]["value"]):
            out.add(q)
    return out


def run(args, db, cwd=None):
    return CliRunner().invoke(main, [*args, "--db", str(db)], catch_exceptions=False)


@pytest.mark.parametrize("vendor,doc,old,new", PAIRS, ids=[f"{v}-{d}-{o}-{n}" for v, d, o, n in PAIRS])
def test_recheck_reports_exactly_the_engine_fact_changes(tmp_path, checklist, vendor, doc, old, new):
    src_old = CORPUS / "text" / vendor / doc / f"{old}.md"
    src_new = CORPUS / "text" / vendor / doc / f"{new}.md"
    watched = tmp_path / "terms" / f"{doc}.md"
    watched.parent.mkdir()
    db = tmp_path / "history.db"
    shutil.copyfile(src_old, watched)

    assert run(["watch", "add", vendor, str(watched)], db).exit_code == 0
    first = run(["recheck"], db)
    assert first.exit_code == 0, first.output
    assert "first check (the baseline" in first.output

    shutil.copyfile(src_new, watched)
    out = tmp_path / "out"
    second = run(["recheck", "--out", str(out)], db)
    report = ChangeReport.loads((out / vendor / "changes.json").read_text())
    (d,) = report.documents
    reported = {f.question for f in d.fact_changes}

    expected = engine_changes(src_old, src_new, checklist)
    assert reported == expected
    # the terminal summary names each changed fact, and no other question appears as a changed fact
    for q in expected:
        assert f"    {q}: " in second.output
    # exit code: 4 when a verdict got worse, else 3 (terms changed in every pair)
    assert second.exit_code == (4 if report.worse else 3), second.output
    assert d.clauses, "every pair changes some clause text"
    assert (out / vendor / "changes.html").read_text().startswith("<!doctype html>")

    # a third recheck of the same file: nothing changed, nothing re-analysed
    third = run(["recheck"], db)
    assert third.exit_code == 0 and "no semantic change" in third.output

    gold = gold_changes(vendor, doc, old, new)
    print(f"\n== {vendor}/{doc} {old} -> {new}")
    print(second.output.rstrip())
    print(f"gold changed:   {sorted(gold) or '-'}")
    print(f"engine changed: {sorted(reported) or '-'}")
    print(f"  both: {sorted(gold & reported) or '-'}; engine only: {sorted(reported - gold) or '-'}; "
          f"gold only (missed): {sorted(gold - reported) or '-'}")


def test_history_diff_matches_recheck_and_aws_three_versions(tmp_path, checklist):
    """Three versions in a row: each recheck compares with the one before; `history diff 1 3` spans both."""
    base = CORPUS / "text" / "aws" / "service-terms-s50-ai-services"
    versions = ["2022-11-28", "2024-09-26", "2026-08-21"]
    watched = tmp_path / "aws.md"
    db = tmp_path / "h.db"
    run(["watch", "add", "AWS", str(watched)], db)
    for v in versions:
        shutil.copyfile(base / f"{v}.md", watched)
        run(["recheck", "-q"], db)
    listing = run(["history", "list"], db).output
    assert listing.splitlines()[1].split()[0] == "3"
    res = run(["history", "diff", "1", "3", "--json"], db)
    report = ChangeReport.loads(res.output)
    assert res.exit_code == report.exit_code() and res.exit_code in (3, 4)  # exits as the text says
    assert {f.question for f in report.documents[0].fact_changes} == \
        engine_changes(base / f"{versions[0]}.md", base / f"{versions[2]}.md", checklist)
    show = run(["history", "show", "2"], db)
    assert show.exit_code == 0 and "documents:" in show.output and "run 1" in show.output
