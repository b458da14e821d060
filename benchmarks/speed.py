"""Speed and memory of a whole scan against the bare PDF libraries, side by side in one run.

    python benchmarks/speed.py [--corpus PATH] [--repeat 2] [--no-large]

Two sets of PDFs:
- corpus: the corpus renderings (CORPUS/pdf);
- dense: long, dense two-column documents made here from the corpus HTML pages with WeasyPrint (justified and
  hyphenated 9 pt text, a running header, "Page x of y" footers; US Letter, and A4 in the reverse order), at least
  150 pages in all, kept in benchmarks/out/dense/ (they carry vendor text: never commit them).
For each set, CPU seconds of this process (best of --repeat; other work on a shared machine counts less than in
wall time) of pdfplumber `page.extract_text()`, pypdfium2 `get_text_range()`, termsgap's extraction alone and a
whole termsgap scan in one process (extraction, NLP, facts and judgement, reports aside; spaCy and the learned
reader loaded once beforehand, as in a long run), and the ratios: the scan is to be >= 10x faster than
pdfplumber and within 4x of pypdfium2.

Then a 50-page and a 2,000-page PDF made of the dense pages, each scanned by the CLI (`termsgap scan --jobs 1`,
JSON report) in a fresh process: wall and CPU seconds and peak memory (max RSS); the 2,000 pages are to take under
60 s and 500 MB, and memory is to stay flat in the length of the document.
Writes benchmarks/out/speed.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"

#: page size, font, order of the corpus pages, header: two layouts of the same text
DENSE = {
    "dense-letter": ("Letter", "serif", 9.0, False, "Master Services Agreement - Exhibits"),
    "dense-a4": ("A4", "sans-serif", 8.5, True, "CONFIDENTIAL - Vendor Terms Bundle"),
}


def best_cpu(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def pdfplumber_text(paths) -> int:
    import pdfplumber
    chars = 0
    for p in paths:
        with pdfplumber.open(p) as pdf:
            for page in pdf.pages:
                chars += len(page.extract_text())
                page.close()
    return chars


def pdfium_text(paths) -> int:
    import pypdfium2 as pdfium
    chars = 0
    for p in paths:
        doc = pdfium.PdfDocument(p)
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            chars += len(tp.get_text_range())
            tp.close()
            page.close()
        doc.close()
    return chars


def page_count(paths) -> int:
    import pypdfium2 as pdfium
    total = 0
    for p in paths:
        doc = pdfium.PdfDocument(p)
        total += len(doc)
        doc.close()
    return total


def dense_pdfs(corpus: Path) -> list[Path]:
    """The dense two-column renderings of the corpus HTML pages, made once (WeasyPrint) and kept."""
    pages = sorted((corpus / "html").glob("*.html"))
    # emoji and CJK characters come from fallback fonts that pdfminer (under pdfplumber) cannot read at all
    bodies = [re.sub(r"[^\x00-\u2fff]|\u200d", "", re.search(r"<body[^>]*>(.*)</body>", p.read_text(encoding="utf-8"),
                                                               re.S).group(1)) for p in pages]
    folder = OUT / "dense"
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, (size, font, pt, reverse, header) in DENSE.items():
        css = (f"@page {{ size: {size}; margin: 0.6in 0.55in; @top-center {{ content: '{header}'; font-size: 7pt; }}"
               f" @bottom-center {{ content: 'Page ' counter(page) ' of ' counter(pages); font-size: 7pt; }} }}"
               f" body {{ font-family: {font}; font-size: {pt}pt; line-height: 1.2; columns: 2; column-gap: 0.3in;"
               f" text-align: justify; hyphens: auto; }} h1 {{ font-size: 13pt; }} h2 {{ font-size: 11pt; }}"
               f" h3 {{ font-size: 10pt; }} p, li {{ margin: 0 0 3pt 0; }}")
        html = (f"<html lang='en'><head><meta charset='utf-8'><style>{css}</style></head><body>"
                f"{''.join(reversed(bodies) if reverse else bodies)}</body></html>")
        import weasyprint
        key = hashlib.sha256((html + weasyprint.__version__).encode()).hexdigest()[:12]
        path = folder / f"{name}-{key}.pdf"
        if not path.exists():
            logging.getLogger("weasyprint").setLevel(logging.ERROR)
            logging.getLogger("fontTools").setLevel(logging.ERROR)
            print(f"rendering {path.name} ...", flush=True)
            for old in folder.glob(f"{name}-*.pdf"):
                old.unlink()
            weasyprint.HTML(string=html).write_pdf(path)
        out.append(path)
    return out


def repeated(sources: list[Path], pages: int, out: Path) -> Path:
    """A PDF of `pages` pages: the pages of `sources` in turn, as often as needed."""
    import pypdfium2 as pdfium
    dest = pdfium.PdfDocument.new()
    while len(dest) < pages:
        for p in sources:
            src = pdfium.PdfDocument(p)
            take = min(len(src), pages - len(dest))
            if take > 0:
                dest.import_pages(src, list(range(take)))
            src.close()
    dest.save(out)
    dest.close()
    return out


CLI_RUN = """
import resource, sys, time
t0 = time.perf_counter()
from termsgap.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
ru = resource.getrusage(resource.RUSAGE_SELF)
print(code, time.perf_counter() - t0, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024)
"""


def cli_scan(pdf: Path, tmp: Path) -> dict:
    """`termsgap scan PDF` in a fresh process: wall and CPU seconds and peak RSS (MB)."""
    args = ["scan", str(pdf), "--jobs", "1", "--format", "json", "-q", "--out", str(tmp / pdf.stem),
            "--db", str(tmp / "history.db")]
    out = subprocess.run([sys.executable, "-c", CLI_RUN, *args], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    fields = out.stdout.strip().splitlines()[-1].split() if out.stdout.strip() else []
    if len(fields) != 4 or fields[0] not in ("0", "1"):
        raise SystemExit(f"scan of {pdf} failed: {out.stdout[-500:]} {out.stderr[-2000:]}")
    return {"wall_s": round(float(fields[1]), 1), "cpu_s": round(float(fields[2]), 1),
            "peak_rss_mb": round(float(fields[3]))}


def measure(name: str, paths: list[Path], repeat: int) -> dict:
    from termsgap import engine
    from termsgap.extract import load
    from termsgap.policy import DEFAULT_POLICY, load_policy

    policy = load_policy(DEFAULT_POLICY)
    checklist = policy.load_checklist()
    pages = page_count(paths)
    seconds = {
        "pdfplumber extract_text": best_cpu(lambda: pdfplumber_text(paths), repeat),
        "pypdfium2 get_text_range": best_cpu(lambda: pdfium_text(paths), repeat),
        "termsgap extraction": best_cpu(lambda: [load(p) for p in paths], repeat),
        "termsgap whole scan": best_cpu(
            lambda: engine.judge_all(engine.analyse_all(paths, checklist), policy, checklist=checklist), repeat),
    }
    scan = seconds["termsgap whole scan"]
    ratios = {"scan_vs_pdfplumber": round(seconds["pdfplumber extract_text"] / scan, 2),
              "scan_vs_pypdfium2": round(scan / seconds["pypdfium2 get_text_range"], 2)}
    chars = {"pdfplumber": pdfplumber_text(paths), "pypdfium2": pdfium_text(paths)}
    print(f"\n{name}: {len(paths)} PDFs, {pages} pages (CPU seconds, best of {repeat}); text read: pdfplumber "
          f"{chars['pdfplumber']:,} characters, pypdfium2 {chars['pypdfium2']:,}")
    for what, t in seconds.items():
        print(f"  {what:26} {t:7.2f} s  {pages / t:8.1f} pages/s")
    print(f"  whole scan vs pdfplumber extract_text: {ratios['scan_vs_pdfplumber']:.1f}x faster (target >= 10x)")
    print(f"  whole scan vs pypdfium2 text alone:    {ratios['scan_vs_pypdfium2']:.1f}x slower (target <= 4x)")
    return {"pdfs": len(paths), "pages": pages, "characters": chars, "cpu_seconds": {k: round(v, 3) for k, v in seconds.items()},
            **ratios}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-large", action="store_true", help="skip the 50- and 2,000-page scans")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from termsgap.learn.model import load_model
    from termsgap.nlp.pipeline import lexicon

    dense = dense_pdfs(args.corpus)
    t0 = time.perf_counter()
    lexicon()
    load_model()
    report = {"nlp_load_seconds": round(time.perf_counter() - t0, 2)}
    print(f"spaCy pipeline and learned reader loaded in {report['nlp_load_seconds']:.2f} s (once)")
    report["corpus"] = measure("corpus", sorted((args.corpus / "pdf").glob("*.pdf")), args.repeat)
    report["dense"] = measure("dense two-column", dense, args.repeat)

    if not args.no_large:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            large = {}
            for pages in (50, 2000):
                pdf = repeated(dense, pages, tmp / f"dense-{pages}.pdf")
                large[str(pages)] = run = cli_scan(pdf, tmp)
                print(f"\n{pages}-page PDF, `termsgap scan` in a fresh process: {run['wall_s']:.1f} s wall, "
                      f"{run['cpu_s']:.1f} s CPU, peak RSS {run['peak_rss_mb']} MB")
        ratio = large["2000"]["peak_rss_mb"] / large["50"]["peak_rss_mb"]
        print(f"memory 2,000 vs 50 pages: x{ratio:.2f} for 40x the pages (targets: 2,000 pages < 60 s, < 500 MB)")
        report["large"] = large

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "speed.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
