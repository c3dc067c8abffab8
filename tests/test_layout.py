"""The package's layout (issue 25): small modules in their layers' subpackages, errors.py
only exceptions (the argument checks live in aiomame.checks), and the adapters' import paths.
No MAME is started here."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

import aiomame
import aiomame.errors

PACKAGE = Path(aiomame.__file__).resolve().parent
MAX_LINES = 500
TOO_LONG_ALLOWED: dict[str, str] = {}  # module (relative path) -> why it cannot be split
SUBPACKAGES = ("transport", "mame", "machine", "games", "episodes", "pools", "tools")
# The adapters' import paths, and the distribution each needs (its extra).
ADAPTERS = {"gym": "gymnasium", "sb3": "stable_baselines3", "sync": None, "ray": "ray",
            "pettingzoo": "pettingzoo", "mametoolkit": None, "web": "aiohttp"}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_is_over_500_lines():
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in modules()}
    assert len(sizes) > 50  # the walk found the package
    too_long = {name: n for name, n in sizes.items()
                if n > MAX_LINES and name not in TOO_LONG_ALLOWED}
    assert too_long == {}, f"split these along their concerns (or list why not): {too_long}"
    stale = [name for name in TOO_LONG_ALLOWED if sizes.get(name, 0) <= MAX_LINES]
    assert stale == []


def test_errors_defines_only_exceptions():
    tree = ast.parse(Path(aiomame.errors.__file__).read_text())
    classes = []
    for i, node in enumerate(tree.body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        assert isinstance(node, ast.ClassDef), \
            f"errors.py line {node.lineno}: {type(node).__name__}, not a class (checks go " \
            "in aiomame.checks)"
        classes.append(node.name)
    assert len(classes) > 20
    for name in classes:
        assert issubclass(getattr(aiomame.errors, name), BaseException), name


def test_the_checks_moved_out_of_errors():
    from aiomame import checks

    for name in ("is_int", "check_step_limit", "check_path", "check_bool", "check_keywords",
                 "invalid_choice"):
        assert callable(getattr(checks, name))
        assert not hasattr(aiomame.errors, name)


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_subpackages_exist(name):
    module = importlib.import_module(f"aiomame.{name}")
    assert hasattr(module, "__path__"), f"aiomame.{name} is not a package"
    assert (PACKAGE / name / "__init__.py").is_file()


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_adapter_import_paths(name):
    assert importlib.util.find_spec(f"aiomame.{name}") is not None
    needs = ADAPTERS[name]
    if needs is not None and importlib.util.find_spec(needs) is None:
        pytest.skip(f"aiomame.{name} needs {needs} (its extra), not installed")
    importlib.import_module(f"aiomame.{name}")
