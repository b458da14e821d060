"""The wheel carries what a plain `pip install` needs: the checklist, the policies, the report templates and the
learned reader (an editable install would hide missing package data)."""
from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT, SAMPLES


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)
    (built,) = out.glob("termsgap-*.whl")
    return built


def test_wheel_ships_checklist_policies_templates_and_model(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("termsgap/policies/checklist.yaml", "termsgap/policies/default.yaml",
                   "termsgap/policies/strict-eu.yaml", "termsgap/model/model.json", "termsgap/model/weights.npz"):
        assert needed in names, needed
    assert any(n.startswith("termsgap/report/templates/") for n in names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Requires-Dist: openpyxl" in metadata  # the XLSX report needs it at run time


def test_the_installed_wheel_scans_a_sample_into_every_format(wheel, tmp_path):
    """Installed into a fresh virtual environment outside the checkout (its dependencies taken from this one, the
    package itself only from the wheel), `termsgap scan` writes every format; the SARIF validates, the XLSX opens."""
    import json
    import sysconfig
    import venv
    from pathlib import Path

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    # this environment's libraries, added as a plain path: its .pth files (the editable checkout) are not read
    Path(own, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--force-reinstall", str(wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run([str(python), "-c", "import termsgap; print(termsgap.__file__)"], cwd=work,
                           capture_output=True, text=True, check=True).stdout
    assert str(env_dir) in where and str(ROOT) not in where  # the wheel, not the checkout
    formats = "json,html,pdf,pdf-summary,md,csv,xlsx,sarif,junit,comparison-csv"
    done = subprocess.run([str(env_dir / "bin" / "termsgap"), "scan", str(SAMPLES / "eastbrook-ai-addendum.md"),
                           "--out", "out", "--format", formats, "--db", "h.db"], cwd=work, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode in (0, 1), done.stderr
    names = sorted(p.name for p in (work / "out").iterdir())
    assert names == sorted(["report.json", "report.html", "report.pdf", "report-summary.pdf", "report.md",
                            "report.csv", "report.xlsx", "report.sarif", "report.junit.xml", "comparison.csv"])
    import jsonschema
    import openpyxl

    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads((work / "out" / "report.sarif").read_text(encoding="utf-8")), schema)
    assert openpyxl.load_workbook(work / "out" / "report.xlsx").sheetnames == ["Findings", "Summary", "Vendors"]
