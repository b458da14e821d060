"""Annotate a corpus document's sentence units (offsets only; the text stays in the corpus).

    python scripts/annotate.py show DOC.md [--gold GOLD.yaml]     units, numbered, with headings and lead-ins;
                                                                  units the gold evidence quotes are marked
    python scripts/annotate.py write DOC.md LABELS.tsv            annotations/corpus/<key>.yaml from a TSV of
                                                                  "unit number<TAB>question=answer" lines
    python scripts/annotate.py carry DOC.md FROM.yaml [LABELS.tsv] labels of an annotated version carried over by
                                                                  text hash (an older or newer version of the
                                                                  same document), plus extra labels
    python scripts/annotate.py check                              every annotation file still matches its text

Labels name a question of the checklist and the answer the unit supports (`question=answer`); a unit that speaks
to a question without deciding it (a definition of the term, a pointer) is `question=none`.
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from termsgap.evaluate import evidence_hit  # noqa: E402
from termsgap.learn.annotations import Annotation, Unit, dump_annotation, load_annotation, text_hash  # noqa: E402
from termsgap.learn.corpus import CORPUS, corpus_key, read_units  # noqa: E402
from termsgap.policy import DEFAULT_POLICY, load_policy  # noqa: E402

OUT = ROOT / "annotations" / "corpus"


def read_labels(tsv: Path) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for line in tsv.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        no, *labels = line.split()
        out.setdefault(int(no), []).extend(labels)
    return out


def validate(labels: dict[int, list[str]], n: int) -> None:
    checklist = load_policy(DEFAULT_POLICY).load_checklist()
    answers = {q.id: set(q.answers) | {"none", "not-addressed"} for q in checklist.questions}
    for no, labs in labels.items():
        if not 0 <= no < n:
            sys.exit(f"unit {no} out of range (0..{n - 1})")
        for lab in labs:
            q, _, a = lab.partition("=")
            if q not in answers or a not in answers[q]:
                sys.exit(f"unit {no}: bad label {lab!r} (question=answer of the checklist)")


def main() -> None:
    cmd, *args = sys.argv[1:] or ["help"]
    if cmd == "show":
        doc = Path(args[0])
        gold = yaml.safe_load(Path(args[args.index("--gold") + 1]).read_text())["labels"] if "--gold" in args else {}
        _, sentences = read_units(doc)
        for i, s in enumerate(sentences):
            marks = [f"{q}={'/'.join(lab.get('answers') or [])}" for q, lab in gold.items()
                     if lab.get("evidence") and evidence_hit(lab["evidence"], [s.text])]
            sec = " > ".join(s.location.section)[-80:]
            print(f"{i}\t[{sec}] {s.text}" + (f"   <<GOLD {' '.join(marks)}>>" if marks else ""))
    elif cmd in ("write", "carry"):
        doc = Path(args[0])
        document, sentences = read_units(doc)
        labels: dict[int, list[str]] = {}
        if cmd == "carry":
            src = load_annotation(Path(args[1]))
            by_hash = {u.hash: u.labels for u in src.units}
            for i, s in enumerate(sentences):
                if by_hash.get(text_hash(s.text)):
                    labels[i] = list(by_hash[text_hash(s.text)])
            new = [i for i, s in enumerate(sentences) if text_hash(s.text) not in by_hash]
            print(f"carried {len(labels)} labelled units; {len(new)} units not in {args[1]}: {new}", file=sys.stderr)
            args = args[1:]
        if len(args) > 1:
            for no, labs in read_labels(Path(args[1])).items():
                labels[no] = sorted(set(labels.get(no, [])) | set(labs))
        validate(labels, len(sentences))
        units = tuple(Unit(s.location.start, s.location.end, text_hash(s.text), tuple(sorted(set(labels.get(i, [])))))
                      for i, s in enumerate(sentences))
        key = corpus_key(doc)
        ann = Annotation(document=str(doc.resolve().relative_to((CORPUS / "text").resolve())),
                         sha256=document.sha256, units=units)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"{key}.yaml").write_text(dump_annotation(ann), encoding="utf-8")
        print(f"wrote {OUT / (key + '.yaml')}: {len(units)} units, {sum(bool(u.labels) for u in units)} labelled")
    elif cmd == "check":
        bad = 0
        for f in sorted(OUT.glob("*.yaml")):
            ann = load_annotation(f)
            document, sentences = read_units(CORPUS / "text" / ann.document)
            got = ann.labels_for(sentences)
            missing = sum(g is None for g in got)
            if document.sha256 != ann.sha256 or missing:
                bad += 1
                print(f"{f.name}: sha256 {'ok' if document.sha256 == ann.sha256 else 'DIFFERS'}, {missing} units not found")
        print(f"{len(list(OUT.glob('*.yaml')))} files, {bad} with problems")
    else:
        print(__doc__)


if __name__ == "__main__":
    main()
