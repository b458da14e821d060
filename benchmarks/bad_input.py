"""The largest hostile, huge and broken inputs, each through the real CLI under /usr/bin/time -v.

    python benchmarks/bad_input.py [--only CASE ...] [--timeout 900] [--src OTHER_CHECKOUT/src]

Each case is generated in a temporary folder and scanned (`termsgap scan CASE GOOD --format json -q`, with a
small good document beside it, which must still be read) in a fresh process; one line per case: exit code, the
one-line error, max RSS and wall time. Every bad case must end in seconds with bounded memory and one line;
the big legitimate contract must be read. Needs GNU time (Debian: apt-get install time). Writes
benchmarks/out/bad_input.json.

Results (2 shared cores, 23 GB; python benchmarks/bad_input.py):
case                     exit RSS MB wall s  ok  one-line error / documents read
docx-bomb-1GiB              2    137    1.7 yes  termsgap: bomb.docx: DOCX inflates to 1073742098 bytes (limit 268435…
docx-billion-laughs         2    137    1.5 yes  termsgap: laughs.docx: corrupt DOCX (XMLSyntaxError: Maximum entity …
waivers-alias-bomb          2     61    0.6 yes  termsgap: waivers.yaml: not valid YAML: YAML expands to more than 20…
policy-alias-bomb           2     51    0.4 yes  termsgap: policy.yaml: not valid YAML: YAML expands to more than 200…
waivers-5MiB-tiny-values    2    188    4.4 yes  termsgap: waivers.yaml: not valid YAML: YAML holds more than 200000 …
waivers-5MiB-deep-flow      2     71    0.6 yes  termsgap: waivers.yaml: not valid YAML: line 2, column 30: [ ] or { …
html-50MB                   1    322    9.9 yes  terms.html ok, eastbrook-ai-addendum.md ok
html-100k-nested            2    135    1.7 yes  termsgap: nested.html: HTML nested too deeply (over 400 levels)
text-2000-pages-5MB         1    327   17.8 yes  contract.md ok, eastbrook-ai-addendum.md ok
paragraph-1MB-no-breaks     1    158    3.0 yes  paragraph.md ok, eastbrook-ai-addendum.md ok
fifo                        2    129    1.4 yes  termsgap: terms.md: not a regular file (a FIFO, device or socket is …
symlink-dev-zero            2    130    1.5 yes  termsgap: zero.md: not a regular file (a FIFO, device or socket is n…
symlink-loop                2    129    1.5 yes  termsgap: loop.md: cannot read file (Too many levels of symbolic lin…
sparse-300MiB-text          2    129    1.5 yes  termsgap: huge.txt: file too large (314572800 bytes; limit 209715200…
Before this benchmark's fixes (main at 05ccef2, same cases): html-50MB 74.4 s and 1,642 MB (extraction alone
59 s and 1.57 GB); waivers-5MiB-tiny-values 76.7 s and 1,747 MB; waivers-5MiB-deep-flow 385.5 s and 2,123 MB;
html-100k-nested 4.2 s and 162 MB; the other cases as now.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "contracts_samples" / "eastbrook-ai-addendum.md"
CLI = "import sys; from termsgap.cli import main; sys.exit(main())"
MiB = 1024 * 1024

# --------------------------------------------------------------------------- generated legal-looking text

SUBJECTS = ["The Provider", "The Customer", "Each party", "The Processor", "Any Subprocessor", "The Controller",
            "Neither party", "The Service", "Authorised Users"]
VERBS = ["shall process", "may retain", "will not disclose", "must delete", "shall notify the other party of",
         "may transfer", "shall encrypt", "will not use", "shall make available", "may aggregate"]
OBJECTS = ["Customer Data", "Personal Data", "prompts and outputs", "usage logs", "fine-tuning files",
           "Confidential Information", "account records", "backups of the Service", "embeddings"]
TAILS = ["only on documented instructions", "for no longer than thirty (30) days after termination",
         "within seventy-two (72) hours of becoming aware of a breach", "in accordance with Annex 2",
         "subject to the limitations in Section 14", "unless required by applicable law",
         "to the extent necessary to provide the Service", "with at least thirty days' prior written notice",
         "using industry-standard measures", "except as set out in the Order Form"]


HEADINGS = ["Data Processing", "Retention", "Security", "Subprocessors", "Audit", "Liability", "Term"]


def sentence(rng: random.Random) -> str:
    s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"
    if rng.random() < 0.4:
        s += f", and {rng.choice(SUBJECTS).lower()} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"
    return s + "."


def contract(size: int, seed: int = 7) -> str:
    """Markdown terms of about `size` characters: numbered sections, clauses of 2-5 sentences."""
    rng = random.Random(seed)
    out, n, section = ["# Master Services Agreement\n"], 0, 0
    while n < size:
        section += 1
        head = f"\n## {section}. {rng.choice(HEADINGS)}\n"
        out.append(head)
        n += len(head)
        for k in range(1, rng.randint(4, 9)):
            para = f"\n{section}.{k} " + " ".join(sentence(rng) for _ in range(rng.randint(2, 5))) + "\n"
            out.append(para)
            n += len(para)
    return "".join(out)


# --------------------------------------------------------------------------- the cases

def docx_bomb(d: Path) -> list[str]:
    """A DOCX whose document.xml inflates to 1 GiB (about 1 MB on disk)."""
    p = d / "bomb.docx"
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(f'<w:document xmlns:w="{w}"><w:body>'.encode())
            block = b" " * MiB
            for _ in range(1024):
                f.write(block)
            f.write(b"</w:body></w:document>")
    return [str(p)]


def docx_entities(d: Path) -> list[str]:
    """A DOCX whose document.xml declares nested entities ("billion laughs": 10**9 copies of 'lol')."""
    p = d / "laughs.docx"
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    ents = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", f'<?xml version="1.0"?><!DOCTYPE d [{ents}]><w:document xmlns:w="{w}">'
                   '<w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>')
    return [str(p)]


ALIAS_BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))


def waivers_bomb(d: Path) -> list[str]:
    p = d / "waivers.yaml"
    p.write_text("schema_version: 1\n" + ALIAS_BOMB + "waivers: *a9\n")
    return ["--waivers", str(p)]


def policy_bomb(d: Path) -> list[str]:
    p = d / "policy.yaml"
    p.write_text("name: bomb\nversion: '1'\n" + ALIAS_BOMB + "questions: {q: {gap: *a9}}\n")
    return ["--policy", str(p)]


def waivers_tiny_values(d: Path) -> list[str]:
    """5 MiB of waivers YAML made of 2.6 million one-character values (no aliases)."""
    p = d / "waivers.yaml"
    p.write_text("schema_version: 1\nwaivers: [" + "0," * (5 * MiB // 2 - 40) + "0]\n")
    return ["--waivers", str(p)]


def waivers_deep_flow(d: Path) -> list[str]:
    """5 MiB of [ ] nested 300 deep, over and over (PyYAML pays for every open bracket on every token)."""
    p = d / "waivers.yaml"
    unit = "[" * 300 + "]" * 300 + ","
    p.write_text("schema_version: 1\nwaivers: [" + unit * (5 * MiB // len(unit) - 1) + "0]\n")
    return ["--waivers", str(p)]


def html_50mb(d: Path) -> list[str]:
    """A 50 MB page the way big pages are big: a mega-menu, inline styles and scripts, and the terms in it."""
    rng = random.Random(3)
    parts = ["<!doctype html><html><head><title>Terms</title><style>", ".m{color:#123}" * 20000, "</style>",
             "<script>", "var x=[" + ",".join(str(i) for i in range(200000)) + "];", "</script></head><body>"]
    size, i = sum(map(len, parts)), 0
    while size < 50 * MiB:
        i += 1
        menu = "<nav><ul>" + "".join(f'<li class="menu-item"><a href="/p/{i}-{k}" data-k="{k}">Product {k}</a>'
                                     f'</li>' for k in range(200)) + "</ul></nav>"
        body = f"<section><h2>{i}. Data use</h2><p>{sentence(rng)} {sentence(rng)}</p></section>"
        parts += [menu, body]
        size += len(menu) + len(body)
    p = d / "terms.html"
    p.write_text("".join(parts) + "</body></html>")
    return [str(p)]


def html_nested(d: Path) -> list[str]:
    p = d / "nested.html"
    p.write_text("<html><body>" + "<div>" * 100_000 + "<p>The Provider will not train on prompts.</p>"
                 + "</div>" * 100_000 + "</body></html>")
    return [str(p)]


def text_2000_pages(d: Path) -> list[str]:
    p = d / "contract.md"
    p.write_text(contract(5 * 1000 * 1000))
    return [str(p)]


def paragraph_1mb(d: Path) -> list[str]:
    p = d / "paragraph.md"
    words = re.sub(r"[.,]", "", " ".join(sentence(random.Random(5)) for _ in range(20)))
    p.write_text("# Terms\n\n" + (words + " ") * (MiB // (len(words) + 1)) + "\n")
    return [str(p)]


def fifo(d: Path) -> list[str]:
    p = d / "terms.md"
    os.mkfifo(p)
    return [str(p)]


def dev_zero(d: Path) -> list[str]:
    p = d / "zero.md"
    p.symlink_to("/dev/zero")
    return [str(p)]


def symlink_loop(d: Path) -> list[str]:
    p = d / "loop.md"
    p.symlink_to(p)
    return [str(p)]


def over_limit(d: Path) -> list[str]:
    """A sparse 300 MiB text file: past TERMSGAP_MAX_INPUT_BYTES, refused before it is read."""
    p = d / "huge.txt"
    with open(p, "wb") as f:
        f.truncate(300 * MiB)
    return [str(p)]


CASES = {  # name: (make, the bad input is expected to be read)
    "docx-bomb-1GiB": (docx_bomb, False), "docx-billion-laughs": (docx_entities, False),
    "waivers-alias-bomb": (waivers_bomb, False), "policy-alias-bomb": (policy_bomb, False),
    "waivers-5MiB-tiny-values": (waivers_tiny_values, False), "waivers-5MiB-deep-flow": (waivers_deep_flow, False),
    "html-50MB": (html_50mb, True), "html-100k-nested": (html_nested, False),
    "text-2000-pages-5MB": (text_2000_pages, True),
    "paragraph-1MB-no-breaks": (paragraph_1mb, True), "fifo": (fifo, False), "symlink-dev-zero": (dev_zero, False),
    "symlink-loop": (symlink_loop, False), "sparse-300MiB-text": (over_limit, False),
}


def run(name: str, make, read: bool, tmp: Path, timeout: float, src: Path) -> dict:
    d = tmp / name
    d.mkdir()
    args = make(d)
    options = args if args[0].startswith("--") else []
    docs = [] if options else args
    cmd = ["/usr/bin/time", "-v", "-o", str(d / "time.txt"), sys.executable, "-c", CLI, "scan", *docs, str(GOOD),
           "--format", "json", "--out", str(d / "out"), "-q", "--db", str(d / "history.db"), *options]
    env = {**os.environ, "PYTHONPATH": str(src)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        code = "TIMEOUT"
    wall = time.perf_counter() - t0
    stats = (d / "time.txt").read_text() if (d / "time.txt").exists() else ""
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stats)
    errors = [line for line in err.splitlines() if line.startswith("termsgap:")]
    traceback = "Traceback" in err
    report = d / "out" / "report.json"
    docs_read = {}
    if report.exists():
        docs_read = {Path(x["source"]).name: x["status"] for x in json.loads(report.read_text())["documents"]}
    good = docs_read.get(GOOD.name) == "ok"
    if read:  # the big legitimate input is read, and so is the good document
        expected = code in (0, 1) and good and all(v == "ok" for v in docs_read.values())
    else:  # one line, exit 2, no traceback; a bad document does not stop the good one (a bad policy or waivers
        expected = code == 2 and len(errors) == 1 and not traceback and (good or bool(options))  # file stops all)
    return {"case": name, "exit": code, "as_expected": expected,
            "error": errors[0].replace(str(d) + "/", "") if errors else "", "traceback": traceback,
            "max_rss_mb": round(int(rss.group(1)) / 1024) if rss else None, "wall_s": round(wall, 1),
            "documents": docs_read}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", choices=sorted(CASES), help="run only these cases")
    ap.add_argument("--timeout", type=float, default=900, help="seconds before a case counts as a hang")
    ap.add_argument("--src", type=Path, default=ROOT / "src", help="termsgap sources to run (to compare versions)")
    args = ap.parse_args()
    if not Path("/usr/bin/time").exists():
        sys.exit("benchmarks/bad_input.py needs GNU time at /usr/bin/time (Debian: apt-get install time)")
    rows = []
    print(f"{'case':24} {'exit':>4} {'RSS MB':>6} {'wall s':>6} {'ok':>3}  one-line error / documents read")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or CASES:
            make, read = CASES[name]
            r = run(name, make, read, Path(tmp), args.timeout, args.src)
            rows.append(r)
            what = r["error"] or ", ".join(f"{k} {v}" for k, v in r["documents"].items())
            print(f"{name:24} {r['exit']!s:>4} {r['max_rss_mb']!s:>6} {r['wall_s']:6.1f} "
                  f"{'yes' if r['as_expected'] else 'NO':>3}  {what[:70]}{' TRACEBACK' if r['traceback'] else ''}",
                  flush=True)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bad_input.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
