"""The wheel and the sdist build and pass `twine check` (issue 11, point 6): weavesync is installed from a git URL
or a path today (docs/install.md), and either way pip builds it from this tree."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_and_sdist_build_and_pass_twine_check(tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp_path), str(ROOT)],
                           capture_output=True, text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheels, sdists = list(tmp_path.glob("*.whl")), list(tmp_path.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, [*wheels, *sdists])],
                             capture_output=True, text=True, timeout=120, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    assert {"weavesync/py.typed", "weavesync/cli/hooks_cmd.py", "weavesync/specweave/rules.py"} <= names
    with tarfile.open(sdists[0]) as sdist:
        assert any(name.endswith("/README.md") for name in sdist.getnames())
