"""termsgap train: a learned reader from your own labelled documents."""
from __future__ import annotations

from pathlib import Path

import click

from .common import expand_inputs, fail, resolve_policy


@click.command()
@click.argument("gold_dir", type=click.Path(exists=True, file_okay=False))
@click.argument("docs", nargs=-1, required=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder the model is written to (model.json, weights.npz); use it with scan --model.")
@click.option("--annotations", type=click.Path(exists=True, file_okay=False), default=None,
              help="Sentence annotations (annotations/corpus format), matched to DOCS by SHA-256.")
@click.option("--passages", type=click.Path(exists=True, file_okay=False), multiple=True,
              help="Folders of labelled passages (policies/cases format), repeatable.")
@click.option("--policy", "policy_ref", default=None, help="Policy whose checklist the model answers.")
def train(gold_dir, docs, out_dir, annotations, passages, policy_ref):
    """Train the learned reader on DOCS labelled by GOLD_DIR (the gold format `evaluate` reads).

    Sentences quoted by the gold evidence teach what speaks to each question and the answer it supports;
    annotations, where given, label every sentence. With documents of three or more vendors (the first part of
    a gold file's name, vendor__document__date), confidence is calibrated leave-one-vendor-out. Deterministic.
    """
    from ..learn.build import build_model

    policy = resolve_policy(policy_ref)
    paths = expand_inputs(docs, recursive=True)
    if not paths:
        fail("no documents found in " + ", ".join(docs))
    model, arrays = build_model(Path(gold_dir), [Path(p) for p in paths], policy.load_checklist(),
                                annotations=Path(annotations) if annotations else None,
                                passages=[Path(p) for p in passages], say=lambda m: click.echo(m, err=True))
    model.save(Path(out_dir), arrays)
    click.echo(f"model written to {out_dir} ({len(model.meta['vocabulary'])} features, "
               f"{model.meta['examples']} examples); use it with: termsgap scan --model {out_dir} ...")
