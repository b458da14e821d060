"""Speed and memory of a whole scan against the bare PDF libraries, on the corpus PDFs.

    python benchmarks/speed.py [--corpus PATH] [--repeat 2]

- pages per second of pdfplumber `page.extract_text()` alone, pypdfium2 `get_text_range()` alone, termsgap's
  extraction alone, and a whole termsgap scan (extraction + NLP + facts + judgement, reports aside; spaCy loaded
  once beforehand, as in a long run), each the best of --repeat runs; the ratio scan / pdfplumber is the target
  (>= 5x);
- peak memory (max RSS of a fresh process) of scanning a 50-page and a 500-page PDF made by concatenating
  corpus PDFs: the larger document must not need ~10x the memory.
Writes benchmarks/out/speed.json.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def pdfplumber_text(paths):
    import pdfplumber
    for p in paths:
        with pdfplumber.open(p) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.close()


def pdfium_text(paths):
    import pypdfium2 as pdfium
    for p in paths:
        doc = pdfium.PdfDocument(p)
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            tp.get_text_range()
            tp.close()
            page.close()
        doc.close()


def concatenated(paths, pages: int, out: Path) -> Path:
    import pypdfium2 as pdfium
    dest = pdfium.PdfDocument.new()
    while len(dest) < pages:
        for p in paths:
            src = pdfium.PdfDocument(p)
            take = min(len(src), pages - len(dest))
            if take <= 0:
                break
            dest.import_pages(src, list(range(take)))
            src.close()
    dest.save(out)
    dest.close()
    return out


PEAK = """
import resource, sys
from termsgap import engine
from termsgap.policy import load_policy
policy = load_policy(sys.argv[1])
result = engine.scan([sys.argv[2]], policy)
assert result.documents[0].status == "ok", result.documents[0].error
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_mb(pdf: Path) -> float:
    from termsgap.policy import DEFAULT_POLICY

    out = subprocess.run([sys.executable, "-c", PEAK, str(DEFAULT_POLICY), str(pdf)],
                         check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    from termsgap import engine
    from termsgap.extract import load
    from termsgap.nlp.pipeline import get_nlp
    from termsgap.policy import DEFAULT_POLICY, load_policy

    paths = sorted((args.corpus / "pdf").glob("*.pdf"))
    policy = load_policy(DEFAULT_POLICY)
    checklist = policy.load_checklist()
    t0 = time.perf_counter()
    get_nlp()
    nlp_load = time.perf_counter() - t0
    pages = sum(load(p).pages for p in paths)

    t_plumber = best(lambda: pdfplumber_text(paths), args.repeat)
    t_pdfium = best(lambda: pdfium_text(paths), args.repeat)
    t_extract = best(lambda: [load(p) for p in paths], args.repeat)
    t_scan = best(lambda: engine.judge_all(engine.analyse_all(paths, checklist), policy, checklist=checklist),
                  args.repeat)
    rows = {"pdfplumber extract_text": t_plumber, "pypdfium2 get_text_range": t_pdfium,
            "termsgap extraction": t_extract, "termsgap whole scan": t_scan}
    print(f"{len(paths)} PDFs, {pages} pages (spaCy pipeline load {nlp_load:.2f} s, once)")
    for name, t in rows.items():
        print(f"  {name:26} {t:7.2f} s  {pages / t:8.1f} pages/s")
    ratio = t_plumber / t_scan
    print(f"whole scan vs pdfplumber extract_text: {ratio:.1f}x faster (target >= 5x)")
    print(f"whole scan vs pypdfium2 text alone:    {t_scan / t_pdfium:.1f}x slower")

    with tempfile.TemporaryDirectory() as tmp:
        small = concatenated(paths, 50, Path(tmp) / "p50.pdf")
        large = concatenated(paths, 500, Path(tmp) / "p500.pdf")
        m_small, m_large = peak_rss_mb(small), peak_rss_mb(large)
    print(f"peak RSS: 50 pages {m_small:.0f} MB, 500 pages {m_large:.0f} MB (x{m_large / m_small:.2f} for 10x pages)")

    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "speed.json").write_text(json.dumps({
        "pdfs": len(paths), "pages": pages, "seconds": rows, "nlp_load_seconds": nlp_load,
        "scan_vs_pdfplumber": round(ratio, 2), "peak_rss_mb": {"50": m_small, "500": m_large},
    }, indent=1))


if __name__ == "__main__":
    main()
