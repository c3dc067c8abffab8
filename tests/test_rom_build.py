"""The shipped catch ROMs are exactly what rom/catch/catch.asm assembles to."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BUILD = Path(__file__).resolve().parent.parent / "rom" / "catch" / "build.py"


def test_shipped_roms_match_the_source():
    result = subprocess.run([sys.executable, str(BUILD), "--check"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "match the source" in result.stdout
