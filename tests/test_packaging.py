"""What a release carries: the licence README promises, a changelog, and the marker that
aiomame's type hints are for type checkers (a wheel holds aiomame/py.typed: hatchling
packs every file under aiomame/, checked by hand with ``pip wheel --no-deps``)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_license_changelog_and_py_typed():
    assert (ROOT / "LICENSE").read_text().startswith(
        "MIT License\n\nCopyright (c) 2026 the aiomame authors\n")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog and f"## [{project['version']}]" in changelog
    assert (ROOT / "aiomame" / "py.typed").is_file()
