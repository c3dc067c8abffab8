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


# The layers, lowest first: a module imports only from its own layer and the ones below.
# The shared modules (errors, checks, files, runner, extras) are below every layer; the
# adapters and tools (anything else at the top level, aiomame.tools) are the top.
LAYERS = {"errors": 0, "checks": 0, "files": 0, "runner": 0, "extras": 0, "mame": 1,
          "transport": 2, "machine": 3, "games": 4, "episodes": 5, "pools": 6}
TOP = 7
# Imports up the stack, inside a function, for a convenience of the layer below:
UPWARD_ALLOWED = {
    ("episodes/opponent.py", "tools"): "a checkpoint opponent loads a trained policy",
    ("pools/pool.py", "web"): "EnvPool.watch() serves the pool's page",
}


def _layer(name: str) -> int:
    return LAYERS.get(name, TOP)


def test_imports_go_down_the_layers():
    upward: dict[tuple[str, str], bool] = {}
    for path in modules():
        rel = path.relative_to(PACKAGE)
        package = ["aiomame", *rel.parts[:-1]]
        here = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        tree = ast.parse(path.read_text())
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = [*base, *(node.module.split(".") if node.module else [])]
            else:
                target = (node.module or "").split(".")
            if target[0] != "aiomame":
                continue
            names = [target[1]] if len(target) > 1 else [alias.name for alias in node.names]
            for name in names:
                if name != "__version__" and _layer(name) > _layer(here):
                    upward[(str(rel), name)] = id(node) in top_level
    unexplained = {key: at_top for key, at_top in upward.items()
                   if at_top or key not in UPWARD_ALLOWED}
    assert unexplained == {}, "imports up the layers (module, layer imported): True = at " \
        f"the module's top: {unexplained}"
    assert set(UPWARD_ALLOWED) <= set(upward)  # no stale exception
