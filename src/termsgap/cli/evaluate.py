"""termsgap evaluate: measure the checklist on your own labelled documents."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .common import JOBS, check_model, expand_inputs, fail, resolve_policy


@click.command()
@click.argument("gold_dir", type=click.Path(exists=True))
@click.argument("docs", nargs=-1, required=True)
@click.option("--policy", "policy_ref", default=None, help="Policy that defines false assurance (default: default).")
@click.option("--wrong", "wrong_file", type=click.Path(dir_okay=False), default=None,
              help="Write the rows the engine got wrong, with its evidence, to this file.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@JOBS
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False), default=None,
              envvar="TERMSGAP_MODEL", show_envvar=True,
              help="Learned reader from `termsgap train` (default: the one shipped).")
def evaluate(gold_dir, docs, policy_ref, wrong_file, as_json, jobs, model_dir):
    """Score the engine on DOCS against gold labels in GOLD_DIR (format: see termsgap.evaluate).

    Prints a per-question table and a summary line: answer accuracy, addressed precision/recall/F1,
    evidence hit rate, false assurance (compliant answers where the gold is not), review rate.
    """
    from .. import engine
    from ..evaluate import document_key, format_table, format_wrong, load_gold, score

    policy = resolve_policy(policy_ref)
    check_model(model_dir)
    gold = load_gold(Path(gold_dir))
    if not gold:
        fail(f"{gold_dir}: no *.gold.yaml or *.expected.yaml files")
    paths = expand_inputs(docs, recursive=True)
    if not paths:
        fail('no documents found in ' + ', '.join(docs))
    result = engine.scan(paths, policy, jobs=jobs, model=model_dir)
    by_key = {document_key(d.source, set(gold)): d for d in result.documents}
    s = score({k: v for k, v in gold.items() if k in by_key}, by_key, policy)
    if wrong_file:
        Path(wrong_file).write_text(format_wrong(s) + "\n", encoding="utf-8")
    if as_json:
        click.echo(json.dumps({"summary": s.summary(), "per_question": s.per_question(), "missing": s.missing},
                              indent=1))
    else:
        click.echo(format_table(s))
