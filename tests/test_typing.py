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


def _need_mypy() -> None:
    if importlib.util.find_spec("mypy") is None:
        if os.environ.get("AIOMAME_REQUIRE_MYPY") == "1":
            pytest.fail("mypy is not installed: pip install '.[typing]'")
        pytest.skip("mypy is not installed (the typing extra)")


@pytest.mark.timeout(400)
def test_mypy_clean(tmp_path):
    _need_mypy()
    # A cache of its own: a cold run, as in CI (about 30 s of CPU, most of it reading
    # numpy's, torch's and Gymnasium's types).
    out = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"),
                          "aiomame"], cwd=ROOT, capture_output=True, text=True, timeout=380)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success: no issues found" in out.stdout


@pytest.mark.timeout(400)
def test_blocking_classes_show_their_parameters_to_type_checkers(tmp_path):
    """What an IDE sees of aiomame.sync: the async classes' parameters and results, not
    ``(*args, **kwargs) -> Any``."""
    _need_mypy()
    user = tmp_path / "user.py"
    user.write_text("from aiomame.sync import EnvPool, GameEnv\n"
                    "env = GameEnv('catch', frame_stack=4)\n"
                    "reveal_type(env.step)\n"
                    "env.step()\n"
                    "pool = EnvPool('catch', num_envs='8')\n")
    out = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"),
                          "--follow-imports=silent", str(user)], cwd=ROOT, capture_output=True,
                         text=True, timeout=380)
    assert 'Revealed type is "def (action: Any) -> tuple[' in out.stdout, out.stdout
    assert 'user.py:4: error: Too few arguments' in out.stdout, out.stdout
    assert 'Argument "num_envs" to "EnvPool" has incompatible type "str"' in out.stdout, \
        out.stdout
