"""Time and peak memory of writing every report format for many documents (issue: reports stay bounded).

    python benchmarks/reports.py [--documents 2000] [--formats json,html,pdf,...]

Scans the five samples once, then builds a result of N documents (the samples' findings under N file names, so
N vendors by file name, or --vendors V to spread them over V vendors) and renders each format in a fresh process,
printing wall time and peak RSS per format. Writes benchmarks/out/reports.json.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build(n: int, vendors: int, out: Path) -> None:
    from termsgap import engine
    from termsgap.cli.common import expand_inputs
    from termsgap.policy import DEFAULT_POLICY, load_policy

    paths = expand_inputs((str(ROOT / "contracts_samples"),))
    base = [d for d in engine.scan(paths, load_policy(DEFAULT_POLICY)).documents if d.status == "ok"]
    docs = [base[i % len(base)].model_copy(update={
        "source": f"contracts/vendor{i % vendors:04d}__document-{i:05d}__2026-01-01.pdf",
        "vendor": "", "name": ""}) for i in range(n)]
    result = engine.RunResult(tool=engine.ToolInfo(version="bench"), policy=engine.PolicyInfo(name="default",
                              version="1"), documents=tuple(docs))
    out.write_text(result.model_dump_json(), encoding="utf-8")


def render_one(path: Path, fmt: str, out_dir: Path) -> None:
    from termsgap.models import RunResult
    from termsgap.report import write_reports

    write_reports(RunResult.model_validate_json(path.read_text(encoding="utf-8")), out_dir, (fmt,))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--documents", type=int, default=2000)
    ap.add_argument("--vendors", type=int, default=0, help="spread the documents over this many vendors (0: one each)")
    ap.add_argument("--formats", default="json,html,pdf,pdf-summary,md,csv,xlsx,sarif,junit,comparison-csv")
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        render_one(Path(args.one[0]), args.one[1], Path(args.one[2]))
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "result.json"
        build(args.documents, args.vendors or args.documents, src)
        for fmt in args.formats.split(","):
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, __file__, "--one", str(src), fmt, str(Path(tmp) / "out")],
                                  capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if done.returncode:
                print(f"{fmt:15s} FAILED: {done.stderr.strip().splitlines()[-1]}")
                rows.append({"format": fmt, "error": done.stderr.strip().splitlines()[-1]})
                continue
            size = sum(p.stat().st_size for p in (Path(tmp) / "out").iterdir() if p.is_file())
            rss = int(done.stdout.split()[-1])
            print(f"{fmt:15s} {wall:7.1f} s  peak {rss:6d} MB")
            rows.append({"format": fmt, "seconds": round(wall, 1), "peak_mb": rss})
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "reports.json").write_text(json.dumps({"documents": args.documents, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
