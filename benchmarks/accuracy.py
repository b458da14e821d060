"""Answer accuracy of the engine on ../shared/corpus, per rendering, with the corpus README's metrics.

    python benchmarks/accuracy.py [--corpus PATH] [--policy policies/default.yaml]

Prints a per-question table and one summary line per rendering (text, pdf, docx, html), then, per document, how
far each rendering's accuracy is from the Markdown text's (extraction must not cost accuracy). Writes the rows
it got wrong, with the engine's evidence, to benchmarks/out/accuracy_wrong.txt and all numbers to
benchmarks/out/accuracy.json.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from termsgap.policy import POLICY_DIR
from termsgap import engine
from termsgap.evaluate import document_key, format_table, format_wrong, load_gold, score
from termsgap.policy import load_policy

ROOT = Path(__file__).resolve().parents[1]
RENDERINGS = {"text": "*/*/*.md", "pdf": "*.pdf", "docx": "*.docx", "html": "*.html"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--policy", type=Path, default=POLICY_DIR / "default.yaml")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = ap.parse_args()
    policy = load_policy(args.policy)
    checklist = policy.load_checklist()
    gold = load_gold(args.corpus / "gold")
    args.out.mkdir(parents=True, exist_ok=True)
    report, wrong, per_doc = {}, [], {}
    for name, pattern in RENDERINGS.items():
        base = args.corpus / ("text" if name == "text" else name)
        paths = sorted(base.glob(pattern))
        t0 = time.perf_counter()
        result = engine.judge_all(engine.analyse_all(paths, checklist), policy, checklist=checklist)
        seconds = time.perf_counter() - t0
        docs = {document_key(d.source, set(gold)): d for d in result.documents}
        s = score({k: v for k, v in gold.items() if k in docs}, docs, policy)
        print(f"\n== {name}: {len(paths)} documents in {seconds:.1f} s")
        print(format_table(s))
        report[name] = {"summary": s.summary(), "per_question": s.per_question(), "seconds": round(seconds, 2)}
        wrong.append(f"== {name}\n{format_wrong(s)}")
        for key in docs:
            per_doc.setdefault(key, {})[name] = s.summary([r for r in s.rows if r.document == key])["answer_accuracy"]
    print("\n== per document: accuracy by rendering (difference to text)")
    worst = 0.0
    for key, accs in sorted(per_doc.items()):
        base = accs.get("text")
        cells = []
        for name in RENDERINGS:
            if name in accs:
                diff = accs[name] - base if base is not None else 0.0
                worst = min(worst, diff)
                cells.append(f"{name} {accs[name]:.3f}" + (f" ({diff:+.3f})" if name != "text" else ""))
        print(f"  {key:55} " + "  ".join(cells))
    print(f"largest drop from text: {worst:+.3f}")
    for name, r in report.items():
        print(f"{name:5} " + " ".join(f"{k}={v}" for k, v in r["summary"].items()))
    (args.out / "accuracy_wrong.txt").write_text("\n".join(wrong) + "\n", encoding="utf-8")
    (args.out / "accuracy.json").write_text(json.dumps({"renderings": report, "per_document": per_doc,
                                                        "largest_drop": worst}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
