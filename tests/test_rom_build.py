"""The shipped 8080 ROMs are exactly what their sources (rom/catch, rom/duel) assemble to."""

from __future__ import annotations

import dataclasses
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROM = Path(__file__).resolve().parent.parent / "rom"


@pytest.mark.parametrize("game", ["catch", "duel"])
def test_shipped_roms_match_the_source(game):
    result = subprocess.run([sys.executable, str(ROM / game / "build.py"), "--check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ROM image and {game}_layout.py match the source" in result.stdout


def test_duel_check_names_a_layout_mismatch(tmp_path, monkeypatch):
    """--check compares duel_layout.py's RAM map and constants with the source's symbols."""
    monkeypatch.setattr(sys, "path", list(sys.path))  # build.py adds rom/ to it
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    spec = importlib.util.spec_from_file_location("duel_build", ROM / "duel" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    layout = (ROM.parent / "aiomame" / "games" / "duel_layout.py").read_text()
    wrong = tmp_path / "duel_layout.py"
    wrong.write_text(layout.replace('"p2_x": (0x200B,', '"p2_x": (0x200C,')
                     .replace("\nWIN_SCORE = 11 ", "\nWIN_SCORE = 12 "))
    rom = dataclasses.replace(build.ROM, layout=wrong)
    image, symbols = build.build8080.build(rom)
    assert build.build8080.check(rom, image, symbols) == [
        "duel_layout.RAM['p2_x'] != 0x200b (p2x)", "duel_layout.WIN_SCORE != 11 (winscore)"]
