"""Answer accuracy of the engine on ../shared/corpus, with the corpus README's metrics.

    python benchmarks/accuracy.py [--corpus PATH] [--policy FILE]           in-sample, every rendering
    python benchmarks/accuracy.py --leave-one-vendor-out                    ... and leave one vendor out (PDF)

In-sample: the shipped reader (trained on every vendor) over the text, PDF, DOCX and HTML renderings, per
question, and per document how far each rendering is from the Markdown text.

Leave one vendor out: for each of the corpus's vendors, the learned reader is trained without that vendor's
documents and annotations (our own passages stay in), its confidence calibrated on the other vendors' held-out
answers only, and scored on that vendor's PDF renderings; the rules are as they are. Printed side by side with
the in-sample PDF figures, per vendor and per question, with the wrong rows and a calibration table (accuracy of
the answers kept when the least confident 5/10/20/30% are sent to review). The last line is the pooled
leave-one-vendor-out score over the PDF renderings, prefixed `lovo `.

Writes the numbers to benchmarks/out/accuracy.json and the wrong rows to benchmarks/out/accuracy_wrong.txt.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from termsgap import engine
from termsgap.evaluate import Score, document_key, format_table, format_wrong, load_gold, score
from termsgap.learn import crossval, train
from termsgap.learn.model import load_model
from termsgap.models import DocumentFacts
from termsgap.policy import POLICY_DIR, load_policy

ROOT = Path(__file__).resolve().parents[1]
RENDERINGS = {"text": "*/*/*.md", "pdf": "*.pdf", "docx": "*.docx", "html": "*.html"}


def line(s: Score, rows=None) -> str:
    return " ".join(f"{k}={v}" for k, v in s.summary(rows).items())


def calibration_table(s: Score, confidence: dict[tuple[str, str], float]) -> list[str]:
    """Selective accuracy when the least confident share of pairs goes to review ("not addressed" has a
    calibrated confidence too, and an unsure one goes to review like any other answer)."""
    rows = sorted(s.rows, key=lambda r: confidence.get((r.document, r.question), 1.0))
    out = ["review rate  kept  selective_accuracy  false_assurance_kept"]
    for rate in (0.0, 0.05, 0.10, 0.20, 0.30):
        k = round(rate * len(rows))
        kept = rows[k:]
        acc = sum(r.correct for r in kept) / len(kept) if kept else 0.0
        out.append(f"{rate:11.0%}  {len(kept):4}  {acc:18.3f}  {sum(r.false_assurance for r in kept):20}")
    return out


def reliability(s: Score, confidence: dict[tuple[str, str], float]) -> list[str]:
    """Answered pairs binned by stated confidence: how often each bin is right."""
    bins = [(0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)]
    out = ["confidence  answered  right"]
    for lo, hi in bins:
        rs = [r for r in s.rows if r.answer != "not-addressed" and lo <= confidence.get((r.document, r.question), 1) < hi]
        if rs:
            out.append(f"{lo:.1f}-{min(hi, 1):.1f}  {len(rs):8}  {sum(r.correct for r in rs) / len(rs):5.2f}")
    return out


def in_sample(args, policy, checklist, gold) -> dict:
    report, per_doc, wrong = {}, {}, []
    for name, pattern in RENDERINGS.items():
        base = args.corpus / ("text" if name == "text" else name)
        paths = sorted(base.glob(pattern))
        t0 = time.perf_counter()
        result = engine.judge_all(engine.analyse_all(paths, checklist), policy, checklist=checklist)
        seconds = time.perf_counter() - t0
        docs = {document_key(d.source, set(gold)): d for d in result.documents}
        s = score({k: v for k, v in gold.items() if k in docs}, docs, policy)
        print(f"\n== in-sample {name}: {len(paths)} documents in {seconds:.1f} s")
        print(format_table(s))
        report[name] = {"summary": s.summary(), "per_question": s.per_question(), "seconds": round(seconds, 2)}
        wrong.append(f"== in-sample {name}\n{format_wrong(s)}")
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
    return {"renderings": report, "per_document": per_doc, "largest_drop": worst, "wrong": wrong}


def leave_one_vendor_out(args, policy, checklist, gold, insample_pdf: dict) -> dict:
    t0 = time.perf_counter()
    examples = train.annotated_examples(sorted(args.annotations.glob("*.yaml")), args.corpus / "text", checklist)
    examples += train.passage_examples(args.passages, checklist)
    paths = sorted((args.corpus / "pdf").glob("*.pdf"))
    documents = {document_key(str(p), set(gold)): engine.read(p, checklist) for p in paths}
    facts = crossval.held_out(documents, examples, checklist, gold, load_model(), train.CALIBRATION,
                              progress=lambda v: print(f"  fold {v} done", flush=True))
    seconds = time.perf_counter() - t0
    results = [DocumentFacts(source=str(documents[k].document.source), sha256=documents[k].document.sha256,
                             facts=fs) for k, fs in sorted(facts.items())]
    result = engine.judge_all(results, policy, checklist=checklist)
    docs = {document_key(d.source, set(gold)): d for d in result.documents}
    s = score({k: v for k, v in gold.items() if k in docs}, docs, policy)
    confidence = {(k, f.question): f.confidence for k, fs in facts.items() for f in fs}
    ins = insample_pdf["per_question"]
    print(f"\n== leave one vendor out, PDF renderings ({len(paths)} documents, {len(examples)} training examples, "
          f"{seconds:.0f} s)")
    print(f"{'question':38} {'in acc':>6} {'lovo acc':>8} {'lovo evid':>9} {'lovo false+':>11}")
    for q, m in s.per_question().items():
        print(f"{q:38} {ins.get(q, {}).get('answer_accuracy', 0):6.2f} {m['answer_accuracy']:8.2f} "
              f"{m['evidence_hit_rate']:9.2f} {m['false_assurance']:11}")
    print(f"\n{'vendor':14} {'pairs':>5} {'lovo acc':>8} {'evid':>5} {'false+':>6} {'review':>6}")
    for vendor in sorted({crossval.vendor_of(k) for k in docs}):
        m = s.summary([r for r in s.rows if crossval.vendor_of(r.document) == vendor])
        print(f"{vendor:14} {m['pairs']:5} {m['answer_accuracy']:8.3f} {m['evidence_hit_rate']:5.2f} "
              f"{m['false_assurance']:6} {m['review_rate']:6.2f}")
    print("\n== calibration (leave one vendor out): least confident pairs sent to review")
    print("\n".join(calibration_table(s, confidence)))
    print("\n".join(reliability(s, confidence)))
    print("\n== wrong rows (leave one vendor out)")
    print(format_wrong(s))
    return {"summary": s.summary(), "per_question": s.per_question(), "seconds": round(seconds, 1),
            "wrong": format_wrong(s), "calibration": calibration_table(s, confidence), "score": s}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--policy", type=Path, default=POLICY_DIR / "default.yaml")
    ap.add_argument("--annotations", type=Path, default=ROOT / "annotations" / "corpus")
    ap.add_argument("--passages", type=Path, nargs="*",
                    default=[ROOT / "policies" / d for d in ("cases", "holdout", "holdout2", "holdout3", "training")])
    ap.add_argument("--leave-one-vendor-out", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = ap.parse_args()
    policy = load_policy(args.policy)
    checklist = policy.load_checklist()
    gold = load_gold(args.corpus / "gold")
    args.out.mkdir(parents=True, exist_ok=True)
    ins = in_sample(args, policy, checklist, gold)
    wrong = ins.pop("wrong")
    out = {"in_sample": ins}
    if args.leave_one_vendor_out:
        lovo = leave_one_vendor_out(args, policy, checklist, gold, ins["renderings"]["pdf"])
        s = lovo.pop("score")
        wrong.append("== leave one vendor out, pdf\n" + lovo.pop("wrong"))
        out["leave_one_vendor_out"] = lovo
        print(f"\nin-sample pdf {' '.join(f'{k}={v}' for k, v in ins['renderings']['pdf']['summary'].items())}")
        print(f"lovo {line(s)}")
    (args.out / "accuracy_wrong.txt").write_text("\n".join(wrong) + "\n", encoding="utf-8")
    (args.out / "accuracy.json").write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
