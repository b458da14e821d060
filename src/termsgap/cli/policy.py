"""termsgap policy list | show ID | validate FILE."""
from __future__ import annotations

from pathlib import Path

import click

from .common import fail, resolve_policy


@click.group()
def policy():
    """List, show and validate policies."""


@policy.command("list")
def list_():
    """The policies shipped in policies/ and the questions of the checklist."""
    from ..policy import POLICY_DIR, PolicyError, load_policy

    for path in sorted(POLICY_DIR.glob("*.yaml")):
        try:
            p = load_policy(path)
        except PolicyError:
            continue  # the checklist itself, or a broken file: `validate` says why
        click.echo(f"{p.name:14} v{p.version:4} {path}  {p.description}")
    checklist = resolve_policy(None).load_checklist()
    click.echo("\nquestions of the checklist (IDs for scan --check and --skip-check):")
    width = max(len(q.id) for q in checklist.questions)
    for q in checklist.questions:
        click.echo(f"  {q.id:{width}}  {q.title}")


@policy.command()
@click.argument("question_id")
@click.option("--policy", "policy_ref", default=None, help="Policy file or name (default: default).")
def show(question_id, policy_ref):
    """Show one question: its answers, detector rules and verdicts under the policy."""
    p = resolve_policy(policy_ref)
    checklist = p.load_checklist()
    try:
        q = checklist.question(question_id)
    except KeyError:
        fail(f"unknown question '{question_id}' (one of {', '.join(x.id for x in checklist.questions)})")
    qp = p.questions[q.id]
    click.echo(f"{q.id}: {q.title}")
    click.echo(f"  answers: {', '.join(q.answers)} (or not-addressed); preferred when several: {' > '.join(q.prefer)}")
    click.echo(f"  policy {p.name} v{p.version}:")
    for verdict, conds in qp.ordered():
        if conds:
            click.echo(f"    {verdict}: {', '.join(conds)}")
    click.echo(f"  rules ({len(q.rules)}):")
    for r in q.rules:
        click.echo(f"    - {r.name or r.answer} -> {r.answer} (confidence {r.confidence})")
    if qp.remediation:
        click.echo(f"  remediation: {qp.remediation}")


@policy.command()
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file):
    """Validate a policy file and the checklist it uses; every problem is listed with file, question, field."""
    from ..policy import PolicyError, load_policy

    try:
        p = load_policy(Path(file))
    except PolicyError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(2)
    click.echo(f"{file}: ok ({p.name} v{p.version}, {len(p.questions)} questions)")
