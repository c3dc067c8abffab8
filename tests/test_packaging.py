"""What a release carries: the licence README promises, a changelog, and the marker that
aiomame's type hints are for type checkers (a wheel holds aiomame/py.typed: hatchling
packs every file under aiomame/; .ci/run builds the wheel and sdist, installs the wheel in a
fresh virtualenv and plays catch outside the clone). And every install line works from a
clone, with one PyTorch instruction."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from aiomame.errors import InvalidArgumentError
from aiomame.extras import EXTRAS, TORCH, install

ROOT = Path(__file__).resolve().parent.parent


def test_license_changelog_and_py_typed():
    assert (ROOT / "LICENSE").read_text().startswith(
        "MIT License\n\nCopyright (c) 2026 the aiomame authors\n")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog and f"## [{project['version']}]" in changelog
    assert (ROOT / "aiomame" / "py.typed").is_file()


def test_sdist_and_wheel_hold_what_a_user_needs(tmp_path):
    """The sdist holds every file of the clone (the plugin's Lua, the ROMs' sources, LICENSE,
    the tests); the wheel, built from it, the package with its data (the plugin, the shipped
    ROMs, catch.toml, py.typed) and the licence, no tests. (.ci/package installs that wheel
    in a fresh virtualenv and plays catch outside the clone.)"""
    pytest.importorskip("build")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    with tarfile.open(tmp_path / f"aiomame-{version}.tar.gz") as sdist:
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    if (ROOT / ".git").exists() and shutil.which("git"):
        tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, text=True,
                                 capture_output=True).stdout.split()
        assert sorted(set(tracked) - in_sdist) == []
    assert {"LICENSE", "CHANGELOG.md", "pyproject.toml", "lua/aiomame/plugin.json",
            "rom/catch/catch.asm", "rom/build8080.py", "tests/conftest.py"} <= in_sdist
    with zipfile.ZipFile(tmp_path / f"aiomame-{version}-py3-none-any.whl") as wheel:
        in_wheel = set(wheel.namelist())
        entry_points = wheel.read(f"aiomame-{version}.dist-info/entry_points.txt").decode()
    package = {str(path.relative_to(ROOT)) for path in (ROOT / "aiomame").rglob("*")
               if path.is_file() and "__pycache__" not in path.parts}
    plugin = {"aiomame/" + str(path.relative_to(ROOT)) for path in (ROOT / "lua").rglob("*")
              if path.is_file()}
    assert sorted((package | plugin) - in_wheel) == []
    assert {"aiomame/games/roms/catch.bin", "aiomame/lua/aiomame/plugin.json",
            f"aiomame-{version}.dist-info/licenses/LICENSE"} <= in_wheel
    assert not [name for name in in_wheel if name.startswith(("tests/", "rom/", "lua/"))]
    assert "aiomame = aiomame.cli:main" in entry_points


# -- install lines: they work from a clone, and PyTorch has one instruction ----------------

# What prints or documents an install line (files or folders).
_HINTED = ("aiomame", "examples", "benchmarks", "README.md", "docs")


def _texts() -> dict[str, str]:
    paths = [path for name in _HINTED for path in
             ([ROOT / name] if (ROOT / name).is_file() else sorted((ROOT / name).rglob("*")))]
    return {str(path.relative_to(ROOT)): path.read_text(errors="replace") for path in paths
            if path.suffix in (".py", ".toml", ".md", ".lua", ".txt") and path.is_file()}


def test_install_lines_work_from_a_clone():
    """aiomame is on no index: ``pip install "aiomame[ray]"`` finds nothing. Every install
    line is ``pip install ".[EXTRA]"`` (run in the clone) and names an extra that exists."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    from_index = [f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m[0]}"
                  for name, text in _texts().items()
                  for m in re.finditer(r"aiomame\[[\w,]*\]", text)]
    assert from_index == []
    named = {extra for text in _texts().values()
             for m in re.finditer(r'"\.\[([\w,]+)\]"', text) for extra in m[1].split(",")}
    assert named and named <= set(extras)
    assert set(EXTRAS) <= set(extras)
    assert install("ray") == 'pip install ".[ray]" (in the aiomame clone, until a release exists)'
    assert install("train", "minari") == 'pip install ".[train,minari]" (in the aiomame clone, ' \
                                         'until a release exists)'
    with pytest.raises(InvalidArgumentError, match="unknown extra 'gpu'; valid: 'gym'"):
        install("gpu")


def test_one_torch_instruction():
    """The extras, .ci/run and every hint pin the same PyTorch, CI's CPU build: no hint
    installs an unpinned torch, another version, or from another index."""
    version = re.fullmatch(r'pip install "torch==([\d.]+)" --index-url '
                           r'https://download\.pytorch\.org/whl/cpu', TORCH)[1]
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    pins = {extra: [d for d in deps if d.startswith("torch")] for extra, deps in extras.items()}
    assert {extra: pin for extra, pin in pins.items() if pin} == {
        extra: [f"torch=={version}"] for extra in ("sb3", "train", "rllib")}
    ci = (ROOT / ".ci" / "run").read_text()
    assert set(re.findall(r'"torch[^"]*"', ci)) == {f'"torch=={version}"'}
    other = [f"{name}: {m[0]}" for name, text in _texts().items()
             for m in re.finditer(r"pip install [^\n]*(?<![\w.])torch(?!==" + re.escape(version)
                                  + r")(?!\w)|download\.pytorch\.org/whl/(?!cpu)", text)]
    assert other == []


def test_no_file_holds_merge_conflict_markers():
    """A merge left half-resolved would still import (in Markdown, or in a string)."""
    if shutil.which("git") and (ROOT / ".git").exists():
        files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.split()
    else:  # a copy without git (the matrix's chroots): the sources, not what runs made
        files = [str(p.relative_to(ROOT)) for top in ("aiomame", "lua", "tests", "docs",
                                                      "examples", "benchmarks", "mame", "rom")
                 for p in (ROOT / top).rglob("*") if "__pycache__" not in p.parts]
        files += [p.name for p in ROOT.iterdir() if p.is_file()]
    assert len(files) > 100
    marked = [name for name in files if (ROOT / name).is_file() and re.search(
        r"^(<{7} |>{7} |={7}$)", (ROOT / name).read_text(errors="replace"), re.M)]
    assert not marked
