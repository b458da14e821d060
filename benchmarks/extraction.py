"""Extraction accuracy and speed on the shared corpus.

    python benchmarks/extraction.py [--corpus ../shared/corpus] [--only SUBSTRING] [--no-baselines]
                                    [--pdf-dir DIR [--pdf-dir DIR ...]]

For every PDF, DOCX and HTML rendering in the corpus (or, with --pdf-dir, every PDF in the given folders, named
`<vendor>__<doc>__<date>.pdf` like the corpus renderings: see benchmarks/producers.sh), compares `Document.text` with the Markdown source
`text/<vendor>/<doc>/<date>.md` after normalising both (Markdown markup stripped, whitespace collapsed,
lower-cased) and reports per file:

- similarity: rapidfuzz `fuzz.ratio` / 100 over the whole normalised texts
- leaked: header/footer lines (text printed in the top/bottom band of the PDF pages, digits normalised, plus
  URL, CONFIDENTIAL and page-number patterns) found in the output more often than in the source
- lost: numbered clauses ("1.2", "(a)", "a.", "B.") that start a source paragraph but start no block
- broken: words split or glued by hyphenation handling (tokens absent from the source whose hyphen-joined or
  hyphen-split form is present)
- timing: our `load()` vs pdfplumber `extract_text()` over all pages vs pypdfium2 `get_text_range()`

Writes benchmarks/out/extraction.json (with --pdf-dir: benchmarks/out/extraction_dirs.json), with a summary per
folder when several are measured.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from rapidfuzz import fuzz  # noqa: E402

from termsgap.extract import load  # noqa: E402
from termsgap.extract.layout import CLAUSE_RE  # noqa: E402

# --------------------------------------------------------------------------- normalisation (shared with tests)

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$", re.M)
_HR = re.compile(r"^\s*([*_-])(\s*\1){2,}\s*$", re.M)
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$", re.M)
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_LIST = re.compile(r"^\s*[*+-]\s+", re.M)
_HEAD = re.compile(r"^\s*#{1,6}\s+", re.M)
_QUOTE = re.compile(r"^\s*>\s?", re.M)


_OL = re.compile(r"^(\s*)(\d+)([.)])(\s+)")


def renumber_ordered_lists(md: str) -> str:
    """Markdown numbers an ordered list from its first item ("1. 1. 1." prints as 1. 2. 3.): do the same."""
    out = []
    counters: dict[int, int] = {}
    for line in md.split("\n"):
        m = _OL.match(line)
        if m:
            indent = len(m.group(1).expandtabs(4))
            for k in [k for k in counters if k > indent]:
                del counters[k]
            n = counters[indent] + 1 if indent in counters else int(m.group(2))
            counters[indent] = n
            line = f"{m.group(1)}{n}{m.group(3)}{m.group(4)}{line[m.end():]}"
        elif line.strip() and not line.startswith((" ", "\t")):
            counters.clear()
        out.append(line)
    return "\n".join(out)


def _unescape_outside_code(s: str) -> str:
    """Backslash escapes (1\\. -> 1.) except inside code blocks, where Markdown keeps them."""
    out, code = [], False
    for line in s.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            code = not code
        elif not code:
            line = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>])", r"\1", line)
        out.append(line)
    return "\n".join(out)


def normalize_markdown(md: str) -> str:
    """Markdown source to comparable plain text."""
    s = renumber_ordered_lists(md.replace("\r\n", "\n"))
    s = _FRONT_MATTER.sub("", s, count=1)                       # YAML front matter is not rendered
    s = _unescape_outside_code(s)
    s = re.sub(r"<!--.*?-->", " ", s, flags=re.S)               # nor are HTML comments
    s = re.sub(r"^\s*:::.*$", " ", s, flags=re.M)                # nor docs directives (:::image ...)
    s = re.sub(r"^\s*(```|~~~)\S*\s*$", " ", s, flags=re.M)     # code fences and their language tags
    s = re.sub(r"\[!(\w+)\]", lambda m: m.group(1).capitalize() + ":", s)  # > [!NOTE] admonitions
    s = _TABLE_SEP.sub(" ", s)
    s = _SETEXT.sub(" ", s)
    s = _HR.sub(" ", s)
    s = re.sub(r"^\s*>?\s*\[!include[^\n]*$", " ", s, flags=re.M | re.I)  # docs include directives
    s = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", s)                  # images (not rendered as text)
    s = _LINK.sub(r"\1", s)
    s = re.sub(r"(\*\*|__)", "", s)                               # strong emphasis markers
    s = re.sub(r"<br\s*/?>", " ", s, flags=re.I)
    s = _TAG.sub(" ", s)
    s = _HEAD.sub("", s)
    s = _QUOTE.sub("", s)
    s = _LIST.sub("", s)
    return normalize_text(s)


def normalize_text(s: str) -> str:
    """Extracted (or de-marked-up) text to comparable plain text."""
    s = s.replace("&nbsp;", " ").replace("\u00a0", " ")
    s = re.sub("[\u200b\u2060\ufeff]", "", s)                     # zero-width characters
    s = re.sub("[\u200b\u2060\ufeff]", "", s)
    s = re.sub(r"[*_#>|`]", " ", s)
    s = s.replace("\u2010", "-").replace("\u2011", "-").replace("\u00ad", "")
    s = re.sub(r"\s+", " ", s)
    return s.strip().lower()


def similarity(a: str, b: str) -> float:
    return fuzz.ratio(a, b) / 100.0


def source_for(corpus: Path, rendering: Path) -> Path:
    vendor, doc, date = rendering.stem.split("__")
    return corpus / "text" / vendor / doc / f"{date}.md"


# --------------------------------------------------------------------------- metrics

_NUM_PATTERNS = [re.compile(r"\bpage \d+ of \d+\b"), re.compile(r"(?<![\w./-])\d{1,3}/\d{1,3}(?![\w/])"),
                 re.compile(r"example\.invalid"), re.compile(r"\bconfidential\b")]


def band_lines(pdf_path: Path) -> set[str]:
    """Text the PDF prints in the top and bottom 6% of its pages (headers/footers), digit-normalised."""
    import pypdfium2 as pdfium
    out: set[str] = set()
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            w, h = page.get_size()
            tp = page.get_textpage()
            for top, bottom in ((h, h * 0.94), (h * 0.06, 0)):
                txt = tp.get_text_bounded(left=0, bottom=bottom, right=w, top=top)
                for line in re.split(r"[\r\n]+", txt):
                    n = normalize_text(line)
                    if len(n) >= 3:
                        out.add(re.sub(r"\d+", "#", n))
            tp.close()
            page.close()
    finally:
        pdf.close()
    return out


def leaked_lines(out_norm: str, src_norm: str, bands: set[str]) -> tuple[int, list[str]]:
    o = re.sub(r"\d+", "#", out_norm)
    s = re.sub(r"\d+", "#", src_norm)
    total, examples = 0, []
    for b in bands:
        extra = o.count(b) - s.count(b)
        if extra > 0:
            total += extra
            examples.append(b)
    for p in _NUM_PATTERNS:
        extra = len(p.findall(out_norm)) - len(p.findall(src_norm))
        if extra > 0:
            total += extra
            examples.append(p.pattern)
    return total, examples


def clause_numbers(texts: list[str]) -> Counter:
    c: Counter = Counter()
    for t in texts:
        m = CLAUSE_RE.match(t.strip())
        if m:
            c[m.group(0).rstrip(".")] += 1
    return c


def lost_numbers(src_blocks: list[str], out_blocks: list[str]) -> tuple[int, list[str]]:
    src = clause_numbers(src_blocks)
    out = clause_numbers(out_blocks)
    lost = src - out
    return sum(lost.values()), sorted(lost)[:10]


_TOK = re.compile(r"[a-z]+(?:-[a-z]+)*")


def broken_words(out_norm: str, src_norm: str) -> tuple[int, list[str]]:
    src_toks = set(_TOK.findall(src_norm))
    src_hyph = {t.replace("-", "") : t for t in src_toks if "-" in t}
    bad: list[str] = []
    toks = _TOK.findall(out_norm)
    for i, t in enumerate(toks):
        if t in src_toks:
            continue
        if "-" in t and t.replace("-", "") in src_toks:
            bad.append(t)                                  # pro-cessing (hyphen kept where it was layout)
        elif t in src_hyph:
            bad.append(t)                                  # machinelearning (a real hyphen dropped)
        elif i + 1 < len(toks) and (t + toks[i + 1]) in src_toks and toks[i + 1] not in src_toks:
            bad.append(f"{t} {toks[i + 1]}")               # pro cessing
    return len(bad), bad[:10]


# --------------------------------------------------------------------------- timing baselines

def time_pdfplumber(path: Path) -> float:
    import pdfplumber
    t = time.perf_counter()
    with pdfplumber.open(path) as pdf:
        for p in pdf.pages:
            p.extract_text()
            p.close()
    return time.perf_counter() - t


def time_pdfium(path: Path) -> float:
    import pypdfium2 as pdfium
    t = time.perf_counter()
    pdf = pdfium.PdfDocument(str(path))
    for i in range(len(pdf)):
        page = pdf[i]
        tp = page.get_textpage()
        tp.get_text_range(0, tp.count_chars())
        tp.close()
        page.close()
    pdf.close()
    return time.perf_counter() - t


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--only", default="", help="only renderings whose file name contains this")
    ap.add_argument("--no-baselines", action="store_true", help="skip the pdfplumber / pdfium timings")
    ap.add_argument("--pdf-dir", type=Path, action="append", default=[], metavar="DIR",
                    help="measure the PDFs of this folder (named <vendor>__<doc>__<date>.pdf) instead of the "
                         "corpus renderings; repeatable")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.out is None:
        args.out = REPO / "benchmarks" / "out" / ("extraction_dirs.json" if args.pdf_dir else "extraction.json")
    corpus: Path = args.corpus
    if not (corpus / "text").is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2
    from termsgap.extract.text import extract as md_extract

    if args.pdf_dir:
        missing = [d for d in args.pdf_dir if not d.is_dir()]
        if missing:
            print(f"no such folder: {', '.join(map(str, missing))}", file=sys.stderr)
            return 2
        files = [p for d in args.pdf_dir for p in sorted(d.glob("*.pdf")) if args.only in p.name]
        unmapped = [p for p in files if p.stem.count("__") != 2 or not source_for(corpus, p).is_file()]
        for p in unmapped:
            print(f"skipped (no source text for this name): {p}", file=sys.stderr)
        files = [p for p in files if p not in unmapped]
    else:
        files = [p for sub in ("pdf", "docx", "html") for p in sorted((corpus / sub).glob(f"*.{sub}"))
                 if args.only in p.name]
    rows = []
    hdr = f"{'file':62} {'sim':>6} {'leak':>4} {'lost':>4} {'brk':>4} {'ours':>7} {'plumb':>7} {'pdfium':>7}"
    print(hdr)
    print("-" * len(hdr))
    for f in files:
        src = source_for(corpus, f)
        md = src.read_text(encoding="utf-8")
        src_norm = normalize_markdown(md)
        src_doc = md_extract(src, renumber_ordered_lists(md).encode(), "", markdown=True)
        t = time.perf_counter()
        doc = load(f)
        ours = time.perf_counter() - t
        out_norm = normalize_text(doc.text)
        sim = similarity(out_norm, src_norm)
        bands = band_lines(f) if f.suffix == ".pdf" else set()
        leak, leak_ex = leaked_lines(out_norm, src_norm, bands)
        lost, lost_ex = lost_numbers([b.text for b in src_doc.blocks], [b.text for b in doc.blocks])
        brk, brk_ex = broken_words(out_norm, src_norm)
        plumb = pdfium_t = None
        if f.suffix == ".pdf" and not args.no_baselines:
            plumb = time_pdfplumber(f)
            pdfium_t = time_pdfium(f)
        row = dict(file=f"{f.parent.name}/{f.name}", path=str(f), layout=f.suffix[1:], pages=doc.pages,
                   blocks=len(doc.blocks), similarity=round(sim, 4), leaked=leak, leaked_examples=leak_ex, lost_numbers=lost,
                   lost_examples=lost_ex, broken_words=brk, broken_examples=brk_ex, seconds=round(ours, 4),
                   pdfplumber_seconds=None if plumb is None else round(plumb, 4),
                   pdfium_seconds=None if pdfium_t is None else round(pdfium_t, 4), warnings=list(doc.warnings))
        rows.append(row)
        fmt = lambda v: "-" if v is None else f"{v:7.3f}"  # noqa: E731
        print(f"{row['file'][:62]:62} {sim:6.3f} {leak:4d} {lost:4d} {brk:4d} {ours:7.3f} {fmt(plumb):>7} "
              f"{fmt(pdfium_t):>7}")
        for label, ex in (("leaked", leak_ex), ("lost", lost_ex), ("broken", brk_ex)):
            if ex:
                print(f"    {label}: {ex}")

    # peak memory of one extraction of the longest PDF (tracemalloc: Python allocations)
    pdfs = [r for r in rows if r["layout"] == "pdf"]
    summary: dict = _summary(rows)
    if len(args.pdf_dir) > 1:
        summary["per_dir"] = {str(d): _summary([r for r in rows if Path(r["path"]).parent == d])
                              for d in args.pdf_dir}
    if pdfs:
        ours = sum(r["seconds"] for r in pdfs)
        summary["pdf_seconds_ours"] = round(ours, 3)
        if not args.no_baselines:
            plumb = sum(r["pdfplumber_seconds"] for r in pdfs)
            pdfium_t = sum(r["pdfium_seconds"] for r in pdfs)
            summary.update(pdf_seconds_pdfplumber=round(plumb, 3), pdf_seconds_pdfium_text=round(pdfium_t, 3),
                           speedup_vs_pdfplumber=round(plumb / ours, 1),
                           slowdown_vs_pdfium_text=round(ours / pdfium_t, 1))
        biggest = max(pdfs, key=lambda r: r["pages"])
        tracemalloc.start()
        load(Path(biggest["path"]))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        summary["peak_python_mb_largest_pdf"] = round(peak / 1e6, 2)
    print()
    if len(args.pdf_dir) > 1:
        for d, s in summary["per_dir"].items():
            print(f"DIR {d}: " + json.dumps({k: v for k, v in s.items() if not k.startswith("min_similarity_")}))
    print("SUMMARY " + json.dumps({k: v for k, v in summary.items() if k != "per_dir"}))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "files": rows}, indent=2, ensure_ascii=False) + "\n")
    ok = rows and summary["min_similarity"] >= 0.98 and not summary["leaked"] and not summary["lost_numbers"] \
        and not summary["broken_words"]
    return 0 if ok else 1


def _summary(rows: list[dict]) -> dict:
    summary: dict = {"files": len(rows)}
    if rows:
        summary.update(
            min_similarity=min(r["similarity"] for r in rows),
            mean_similarity=round(sum(r["similarity"] for r in rows) / len(rows), 4),
            below_0_98=[r["file"] for r in rows if r["similarity"] < 0.98],
            leaked=sum(r["leaked"] for r in rows), lost_numbers=sum(r["lost_numbers"] for r in rows),
            broken_words=sum(r["broken_words"] for r in rows))
        for layout in ("pdf", "docx", "html"):
            rs = [r for r in rows if r["layout"] == layout]
            if rs:
                summary[f"min_similarity_{layout}"] = min(r["similarity"] for r in rs)
    return summary

if __name__ == "__main__":
    sys.exit(main())
