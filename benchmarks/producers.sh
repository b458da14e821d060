#!/usr/bin/env bash
# Render the shared corpus with PDF producers other than the one that made corpus/pdf, for
# `python benchmarks/extraction.py --pdf-dir OUT/<producer>` and `termsgap evaluate CORPUS/gold OUT/<producer>`.
#
#     benchmarks/producers.sh OUT_DIR [CORPUS_DIR]
#
# Keep OUT_DIR outside the repository: the renderings carry the vendors' text, which must not be committed.
# Every file is named <vendor>__<doc>__<date>.pdf like the corpus renderings, so the benchmarks map it to its
# source text and gold answers. Folders made (each only when its tool is installed):
#
#   chromium/          Chromium print-to-PDF of corpus/html, --no-pdf-header-footer
#   chromium-hf/       the same with Chromium's default header (date, title) and footer (file URL, page x/y)
#   chromium-2col/     corpus/html with CSS `columns: 2`, justified and hyphenated, default header and footer
#   libreoffice/       LibreOffice Writer export of corpus/docx
#   libreoffice-2col/  corpus/docx turned into a two-column, justified, auto-hyphenated Word file with a running
#                      header (title) and footer ("Page N of M" fields), then exported by LibreOffice
#   libreoffice-md/    every Markdown version (corpus/text) as a Word file built with python-docx (real headings,
#                      Word list numbering and bullets, ruled tables, header and centred page-number footer),
#                      exported by LibreOffice
#   libreoffice-html/  LibreOffice Writer/Web export of corpus/html
#
# Tools: `apt-get install -y chromium libreoffice-writer-nogui hyphen-en-us` (Debian); python-docx and
# markdown-it-py from the project's environment.
set -euo pipefail

if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then
    sed -n '2,/^set -e/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    exit 2
fi
OUT=$(mkdir -p "$1" && cd "$1" && pwd)
REPO=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=$(cd "${2:-$REPO/../shared/corpus}" && pwd)
PY=${PYTHON:-python3}
[[ -d "$CORPUS/text" ]] || { echo "corpus not found: $CORPUS" >&2; exit 2; }
case "$OUT/" in "$REPO"/*) echo "refusing to write vendor text inside the repository: $OUT" >&2; exit 2;; esac

CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
SOFFICE=$(command -v soffice || command -v libreoffice || true)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
made=0

chrome_pdf() {   # chrome_pdf IN.html OUT.pdf [extra flags]
    local in=$1 out=$2
    shift 2
    "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
        --disable-sync --no-first-run --user-data-dir="$WORK/chrome-profile" "$@" \
        --print-to-pdf="$out" "file://$in" >/dev/null 2>&1
    [[ -s "$out" ]] || { echo "chromium failed on $in" >&2; return 1; }
}

if [[ -n "$CHROME" ]]; then
    mkdir -p "$OUT/chromium" "$OUT/chromium-hf" "$OUT/chromium-2col" "$WORK/2col"
    for f in "$CORPUS"/html/*.html; do
        n=$(basename "$f" .html)
        chrome_pdf "$f" "$OUT/chromium/$n.pdf" --no-pdf-header-footer
        chrome_pdf "$f" "$OUT/chromium-hf/$n.pdf"
        # two columns: the same page with a style sheet injected before </head>
        sed 's#</head>#<style>body{columns:2;column-gap:2.2em;text-align:justify;hyphens:auto;-webkit-hyphens:auto;font:10pt/1.35 serif}h1,h2,h3{text-align:left;hyphens:manual}table{font-size:8pt}</style></head>#' \
            "$f" | sed 's#<html>#<html lang="en">#' > "$WORK/2col/$n.html"
        chrome_pdf "$WORK/2col/$n.html" "$OUT/chromium-2col/$n.pdf"
    done
    echo "chromium: $(ls "$OUT/chromium" | wc -l) + $(ls "$OUT/chromium-hf" | wc -l) + $(ls "$OUT/chromium-2col" | wc -l) PDFs"
    made=1
else
    echo "chromium not installed: skipped chromium/, chromium-hf/, chromium-2col/ (apt-get install -y chromium)" >&2
fi

if [[ -n "$SOFFICE" ]]; then
    export HOME="$WORK/lo-home"     # a private LibreOffice profile: no clash with a running instance
    mkdir -p "$OUT/libreoffice" "$OUT/libreoffice-2col" "$OUT/libreoffice-md" "$OUT/libreoffice-html" \
        "$WORK/docx-2col" "$WORK/docx-md"
    lo() { "$SOFFICE" --headless --norestore --convert-to "$1" --outdir "$2" "${@:3}" >/dev/null 2>&1; }
    lo pdf "$OUT/libreoffice" "$CORPUS"/docx/*.docx
    lo pdf:writer_web_pdf_Export "$OUT/libreoffice-html" "$CORPUS"/html/*.html
    "$PY" - "$CORPUS" "$WORK" <<'PYEOF'
"""Word files for LibreOffice: corpus DOCX made two-column, and every Markdown version built as a Word file."""
import copy
import re
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

corpus, work = Path(sys.argv[1]), Path(sys.argv[2])


def field(paragraph, instr: str) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instr), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == "1":
            el = OxmlElement("w:t")
            el.text = "1"
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
        run._r.append(el)


def auto_hyphenation(doc) -> None:
    settings = doc.settings.element
    if settings.find(qn("w:autoHyphenation")) is None:
        el = OxmlElement("w:autoHyphenation")
        settings.append(el)


def columns(section, n: int) -> None:
    sect = section._sectPr
    cols = sect.find(qn("w:cols"))
    if cols is None:
        cols = OxmlElement("w:cols")
        sect.append(cols)
    cols.set(qn("w:num"), str(n))
    cols.set(qn("w:space"), "454")


# ------------------------------------------------------------------ corpus DOCX -> two columns, header, footer
for f in sorted((corpus / "docx").glob("*.docx")):
    doc = Document(str(f))
    vendor, name, _ = f.stem.split("__")
    title = f"{vendor.upper()} - {name.replace('-', ' ').title()}"
    doc.styles["Normal"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    auto_hyphenation(doc)
    for s in doc.sections:
        columns(s, 2)
        s.header.is_linked_to_previous = False
        s.header.paragraphs[0].text = title
        s.header.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p = s.footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run("Page ")
        field(p, "PAGE")
        p.add_run(" of ")
        field(p, "NUMPAGES")
    (work / "docx-2col").mkdir(exist_ok=True)
    doc.save(str(work / "docx-2col" / f.name))

# ------------------------------------------------------------------ Markdown -> Word (python-docx)
from markdown_it import MarkdownIt  # noqa: E402

MD = MarkdownIt("commonmark").enable("table")


def prepare(md: str) -> str:
    """What the corpus's Markdown renders as: no front matter, comments, docs directives or include lines."""
    md = re.sub(r"\A---\n.*?\n---\n", "", md.replace("\r\n", "\n"), count=1, flags=re.S)
    md = re.sub(r"<!--.*?-->", " ", md, flags=re.S)
    md = re.sub(r"^\s*:::.*$", "", md, flags=re.M)
    md = re.sub(r"^\s*>?\s*\[!include[^\n]*$", "", md, flags=re.M | re.I)
    md = re.sub(r"\[!(\w+)\]", lambda m: m.group(1).capitalize() + ":", md)
    return md


class Numbering:
    """One abstract list per kind (bullet / decimal, nine levels); a fresh w:num per list restarts the count."""

    def __init__(self, doc) -> None:
        self.part = doc.part.numbering_part.element
        self.abstract = {}
        ids = [int(a.get(qn("w:abstractNumId"))) for a in self.part.findall(qn("w:abstractNum"))]
        nxt = max(ids, default=0) + 1
        for kind in ("bullet", "decimal"):
            a = OxmlElement("w:abstractNum")
            a.set(qn("w:abstractNumId"), str(nxt))
            for lvl in range(9):
                el = OxmlElement("w:lvl")
                el.set(qn("w:ilvl"), str(lvl))
                for tag, val in (("w:start", "1"), ("w:numFmt", kind),
                                 ("w:lvlText", "•◦▪"[lvl % 3] if kind == "bullet" else f"%{lvl + 1}.")):
                    e = OxmlElement(tag)
                    e.set(qn("w:val"), val)
                    el.append(e)
                ppr = OxmlElement("w:pPr")
                ind = OxmlElement("w:ind")
                ind.set(qn("w:left"), str(360 * (lvl + 1)))
                ind.set(qn("w:hanging"), "360")
                ppr.append(ind)
                el.append(ppr)
                a.append(el)
            first_num = self.part.find(qn("w:num"))
            if first_num is not None:
                first_num.addprevious(a)
            else:
                self.part.append(a)
            self.abstract[kind] = nxt
            nxt += 1
        nums = [int(n.get(qn("w:numId"))) for n in self.part.findall(qn("w:num"))]
        self.next_num = max(nums, default=0) + 1

    def new(self, kind: str, level: int, start: int) -> int:
        n = OxmlElement("w:num")
        n.set(qn("w:numId"), str(self.next_num))
        a = OxmlElement("w:abstractNumId")
        a.set(qn("w:val"), str(self.abstract[kind]))
        n.append(a)
        o = OxmlElement("w:lvlOverride")
        o.set(qn("w:ilvl"), str(level))
        s = OxmlElement("w:startOverride")
        s.set(qn("w:val"), str(start))
        o.append(s)
        n.append(o)
        self.part.append(n)
        self.next_num += 1
        return self.next_num - 1


def add_inline(par, tok) -> None:
    bold = italic = False
    for ch in tok.children or []:
        if ch.type == "text" or ch.type == "code_inline":
            r = par.add_run(ch.content)
            r.bold, r.italic = bold, italic
        elif ch.type in ("softbreak", "hardbreak"):
            par.add_run(" ")
        elif ch.type == "strong_open":
            bold = True
        elif ch.type == "strong_close":
            bold = False
        elif ch.type == "em_open":
            italic = True
        elif ch.type == "em_close":
            italic = False


def set_num(par, num_id: int, level: int) -> None:
    ppr = par._p.get_or_add_pPr()
    numpr = OxmlElement("w:numPr")
    il = OxmlElement("w:ilvl")
    il.set(qn("w:val"), str(level))
    ni = OxmlElement("w:numId")
    ni.set(qn("w:val"), str(num_id))
    numpr.append(il)
    numpr.append(ni)
    ppr.append(numpr)


def md_docx(md: str, out: Path, title: str) -> None:
    doc = Document()
    doc.styles["Normal"].font.name = "Liberation Serif"
    doc.styles["Normal"].font.size = Pt(11)
    numbering = Numbering(doc)
    sec = doc.sections[0]
    sec.header.paragraphs[0].text = title
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field(fp, "PAGE")
    tokens = MD.parse(prepare(md))
    lists: list[list] = []          # [kind, level, num_id, first paragraph of the current item pending]
    pending_item = False
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.type in ("bullet_list_open", "ordered_list_open"):
            kind = "bullet" if t.type == "bullet_list_open" else "decimal"
            level = min(len(lists), 8)
            start = int(t.attrGet("start") or 1) if kind == "decimal" else 1
            lists.append([kind, level, numbering.new(kind, level, start)])
        elif t.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif t.type == "list_item_open":
            pending_item = True
        elif t.type == "heading_open":
            level = int(t.tag[1])
            h = doc.add_heading("", level=min(level, 9))
            add_inline(h, tokens[i + 1])
            i += 2
        elif t.type == "paragraph_open":
            p = doc.add_paragraph()
            if lists:
                kind, level, num_id = lists[-1]
                if pending_item:
                    set_num(p, num_id, level)
                    pending_item = False
                else:
                    p.paragraph_format.left_indent = Pt(18 * (level + 1))
            add_inline(p, tokens[i + 1])
            i += 2
        elif t.type in ("fence", "code_block"):
            for line in t.content.rstrip("\n").split("\n"):
                p = doc.add_paragraph()
                r = p.add_run(line)
                r.font.name = "Liberation Mono"
                r.font.size = Pt(9)
        elif t.type == "table_open":
            rows, cur = [], None
            j = i + 1
            while tokens[j].type != "table_close":
                tj = tokens[j]
                if tj.type == "tr_open":
                    cur = []
                elif tj.type == "tr_close":
                    rows.append(cur)
                elif tj.type == "inline":
                    cur.append(tj)
                j += 1
            ncols = max(len(r) for r in rows)
            table = doc.add_table(rows=len(rows), cols=ncols)
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, cell_tok in enumerate(row):
                    add_inline(table.cell(r, c).paragraphs[0], cell_tok)
            i = j
        i += 1
    doc.save(str(out))


for md_path in sorted((corpus / "text").glob("*/*/*.md")):
    vendor, name, date = md_path.parts[-3], md_path.parts[-2], md_path.stem
    md_docx(md_path.read_text(encoding="utf-8"), work / "docx-md" / f"{vendor}__{name}__{date}.docx",
            f"{vendor.title()} {name.replace('-', ' ')} ({date})")
PYEOF
    lo pdf "$OUT/libreoffice-2col" "$WORK"/docx-2col/*.docx
    lo pdf "$OUT/libreoffice-md" "$WORK"/docx-md/*.docx
    for d in libreoffice libreoffice-2col libreoffice-md libreoffice-html; do
        echo "$d: $(ls "$OUT/$d" | wc -l) PDFs"
    done
    made=1
else
    echo "LibreOffice not installed: skipped libreoffice*/ (apt-get install -y libreoffice-writer-nogui)" >&2
fi

if [[ $made == 0 ]]; then
    echo "no PDF producer installed (need chromium and/or soffice): nothing made" >&2
    exit 1
fi
echo "made in $OUT; measure with:"
echo "  python benchmarks/extraction.py $(for d in "$OUT"/*/; do printf -- '--pdf-dir %s ' "${d%/}"; done)"
