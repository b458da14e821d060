"""The wheel carries what a plain `pip install` needs: the checklist, the policies, the report templates and the
learned reader (an editable install would hide missing package data)."""
from __future__ import annotations

import subprocess
import sys
import zipfile

from conftest import ROOT


def test_wheel_ships_checklist_policies_templates_and_model(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("termsgap-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("termsgap/policies/checklist.yaml", "termsgap/policies/default.yaml",
                   "termsgap/policies/strict-eu.yaml", "termsgap/model/model.json", "termsgap/model/weights.npz"):
        assert needed in names, needed
    assert any(n.startswith("termsgap/report/templates/") for n in names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Requires-Dist: openpyxl" in metadata  # the XLSX report needs it at run time
