"""mame/sweep.py on a few machines of each kind, from zero-filled ROM sets: each starts,
steps with frames of ``frame_shape``, reads memory and saves and loads a state, and any
failure is a typed aiomame error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Consoles are not in: from MAME 0.276 the a2600, from 0.289 the genesis refuse to start
# without a cartridge (test_media, test_basket and test_frame_size run them with one).
SYSTEMS = ["invaders", "asteroid", "pong", "c64"]


def test_sweep_of_machines_of_every_kind():
    result = subprocess.run(
        [sys.executable, str(REPO / "mame" / "sweep.py"), "--json", "--steps", "20", *SYSTEMS],
        capture_output=True, text=True, timeout=110, cwd=REPO)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["system"] for row in rows] == SYSTEMS, result.stderr
    for row in rows:
        assert row["result"] == "ok" and not row["notes"], row
        assert row["frame_shape"] != "none" and row["fps"] > 0 and row["read"], row
        assert row["state_bytes"] > 0, row
    assert result.returncode == 0


def test_sweep_refuses_bad_arguments():
    result = subprocess.run([sys.executable, str(REPO / "mame" / "sweep.py"), "--steps", "0"],
                            capture_output=True, text=True, timeout=30, cwd=REPO)
    assert result.returncode == 2 and "--steps must be >= 1" in result.stderr
