"""The package's annotations hold: mypy on aiomame/ as pyproject's [tool.mypy] configures it
(check_untyped_defs, warn_unused_ignores). mypy comes with the ``typing`` extra, which
`.ci/run` installs; elsewhere the test skips without it, except under
AIOMAME_REQUIRE_MYPY=1 (CI), where that is a failure."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(400)
def test_mypy_clean(tmp_path):
    if importlib.util.find_spec("mypy") is None:
        if os.environ.get("AIOMAME_REQUIRE_MYPY") == "1":
            pytest.fail("mypy is not installed: pip install '.[typing]'")
        pytest.skip("mypy is not installed (the typing extra)")
    # A cache of its own: a cold run, as in CI (about 30 s of CPU, most of it reading
    # numpy's, torch's and Gymnasium's types).
    out = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"),
                          "aiomame"], cwd=ROOT, capture_output=True, text=True, timeout=380)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success: no issues found" in out.stdout
