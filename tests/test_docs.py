"""The docs' code runs as written, and the docs site builds.

The rule for whoever writes the docs: every ```python block of README.md and docs/**/*.md
runs as written, on the bundled games, in a few seconds, unless the line right before its
fence is ``<!-- needs: REASON -->`` with REASON a key of ``NEEDS`` below (several:
``<!-- needs: ray, torch -->``); such blocks are not run, and ``test_needs_are_known``
checks their reasons. A new reason goes into ``NEEDS`` with what it means.

How a page runs: its blocks in order, in one namespace (a block uses the names of the ones
before it), top-level ``await`` allowed (all ``await`` blocks on one event loop, so an env
started in one block can be stepped in the next), in a fresh Python process whose folder is
an empty temporary one holding only ``roms/``: catch's ROM laid out as MAME's ``invaders``
set, what ``python -m aiomame roms catch roms/`` makes. ``DISPLAY`` is unset; a page has
``BLOCK_SECONDS`` per block; it must leave no private directory behind.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

NEEDS = {
    "sfiii3n": "Street Fighter III 3rd Strike's ROM sets (commercial: never shipped)",
    "roms": "ROM sets, cartridges or software-list items of your own (never shipped)",
    "torch": "PyTorch (see the install guide)",
    "ray": 'Ray: pip install ".[ray]"',
    "rllib": 'RLlib: pip install ".[rllib]", in a virtualenv of its own',
    "display": "a screen: a MAME window, or a browser a person looks at",
    "fragment": "not a whole program: it uses names the text around it defines",
    "minutes": "a run too long for the tests (training, soak); its script has a test",
}
BLOCK_SECONDS = 30
RUNTIME_BASE = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)")
NEEDS_LINE = re.compile(r"^\s*<!--\s*needs:\s*(?P<reasons>.*?)\s*-->\s*$")


@dataclass
class Block:
    line: int  # the first line of code, 1-based
    code: str
    needs: tuple[str, ...]  # empty: it runs


def python_blocks(text: str) -> list[Block]:
    """The ```python blocks of a Markdown page, with the reasons of the `needs:` line before
    each."""
    lines = text.split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence, info = match["indent"], match["fence"], match["info"].lower()
        end = i + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        if info in ("python", "py", "python3"):
            body = [line[len(indent):] if line.startswith(indent) else line.lstrip()
                    for line in lines[i + 1:end]]
            before = NEEDS_LINE.match(lines[i - 1]) if i else None
            needs = tuple(r.strip() for r in before["reasons"].split(",")) if before else ()
            blocks.append(Block(i + 2, "\n".join(body), needs))
        i = end + 1
    return blocks


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


RUNNER = r"""
import asyncio, ast, inspect, json, sys

def main(page, blocks):
    try:
        import uvloop
        loop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    namespace = {"__name__": "__main__"}
    try:
        for line, code in blocks:
            # padded so that a traceback names the page's own line numbers
            compiled = compile("\n" * (line - 1) + code, page, "exec",
                               flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            if compiled.co_flags & inspect.CO_COROUTINE:
                asyncio.set_event_loop(loop)  # again: an asyncio.run() block unsets it
                loop.run_until_complete(eval(compiled, namespace))
            else:
                exec(compiled, namespace)
    finally:
        asyncio.set_event_loop(loop)
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.wait(tasks))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

main(sys.argv[1], json.load(open(sys.argv[2])))
"""


@pytest.fixture(scope="module")
def catch_roms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``roms/`` as README's recipe makes it: ``python -m aiomame roms catch roms/``."""
    dest = tmp_path_factory.mktemp("docs") / "roms"
    out = subprocess.run([sys.executable, "-m", "aiomame", "roms", "catch", str(dest)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return dest


def run_page(page: Path, blocks: list[Block], tmp_path: Path, roms: Path) -> None:
    """Runs ``blocks`` of ``page`` in a fresh Python; fails with its output."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    (folder / "roms").symlink_to(roms)
    script = tmp_path / "blocks.json"
    script.write_text(json.dumps([[b.line, b.code] for b in blocks]))
    # its own directory for aiomame's private directories (short: they hold sockets)
    runtime = Path(tempfile.mkdtemp(prefix="aiomame-docs-", dir=RUNTIME_BASE))
    env = {**os.environ, "DISPLAY": "", "AIOMAME_RUNTIME_DIR": str(runtime),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    timeout = BLOCK_SECONDS * len(blocks)
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(page), str(script)], cwd=folder,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)  # aiomame closes its MAMEs on SIGTERM
            try:
                output, _ = proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                output, _ = proc.communicate()
            pytest.fail(f"{page_id(page)}: its blocks took over {timeout} s:\n{output[-3000:]}")
        assert proc.returncode == 0, f"{page_id(page)}: a block failed:\n{output[-5000:]}"
        assert list(runtime.iterdir()) == [], "private directories left behind"
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)


def runnable(page: Path) -> list[Block]:
    return [block for block in python_blocks(page.read_text()) if not block.needs]


@pytest.mark.parametrize("page", [
    pytest.param(page, marks=pytest.mark.timeout(BLOCK_SECONDS * len(runnable(page)) + 60))
    for page in PAGES if runnable(page)], ids=page_id)
def test_page_code_runs(page: Path, tmp_path: Path, catch_roms: Path) -> None:
    run_page(page, runnable(page), tmp_path, catch_roms)


def test_needs_are_known() -> None:
    """Every block not run says why, with a reason of NEEDS."""
    skipped = {f"{page_id(page)}:{block.line}": block.needs for page in PAGES
               for block in python_blocks(page.read_text()) if block.needs}
    unknown = {where: needs for where, needs in skipped.items()
               if not needs or set(needs) - NEEDS.keys()}
    assert unknown == {}, f"unknown `needs:` reasons (known: {', '.join(NEEDS)})"


def test_blocks_are_found() -> None:
    """The parser: fences of any length, indented in a list, the marker only right before."""
    page = ("# Page\n\n```python\nx = 1\n```\n\n- item:\n\n  ```python\n  y = x\n  ```\n"
            "<!-- needs: sfiii3n, display -->\n````python\nz = 3\n````\n\n"
            "<!-- needs: torch -->\n\n```python\nw = 4\n```\n```sh\nls\n```\n")
    assert python_blocks(page) == [Block(4, "x = 1", ()), Block(10, "y = x", ()),
                                   Block(14, "z = 3", ("sfiii3n", "display")),
                                   Block(20, "w = 4", ())]


def test_site_builds(tmp_path: Path) -> None:
    """``mkdocs build --strict``: every reference page, link and docstring renders with no
    warning (CI: AIOMAME_REQUIRE_DOCS=1, with ``pip install ".[docs]"``)."""
    if os.environ.get("AIOMAME_REQUIRE_DOCS") != "1":
        pytest.importorskip("mkdocstrings", reason='the docs extra: pip install ".[docs]"')
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                          str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert out.returncode == 0, out.stderr[-5000:]
    pages = list((tmp_path / "site" / "reference").rglob("*.html"))
    assert tmp_path / "site" / "reference" / "aiomame" / "index.html" in pages
    raw = {page.parent.name: role for page in pages
           for role in re.findall(r":[a-z]+:`[^`]*`", page.read_text())[:1]}
    assert raw == {}, "reST roles left raw (docs/_griffe/rst_roles.py renders them)"


def test_rst_roles_become_links() -> None:
    """The docs' griffe extension: a role is a code span linked to what it names, seen from
    the docstring's object; a literal block (``::``) is a fenced block."""
    griffe = pytest.importorskip("griffe", reason='the docs extra: pip install ".[docs]"')
    spec = importlib.util.spec_from_file_location("rst_roles", ROOT / "docs/_griffe/rst_roles.py")
    assert spec is not None and spec.loader is not None
    rst_roles = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rst_roles)
    code = "from aiomame import EnvPool\nclass Pool:\n    def step(self): ...\n"
    with griffe.temporary_visited_module(code, module_name="m") as module:
        text = rst_roles.to_markdown(
            ":class:`EnvPool` and :meth:`~Pool.step`, :attr:`the axes <aiomame.Game.axes>`, "
            ":func:`unknown`. Use it so::\n\n    await pool.step([0])\n\nDone.", module)
    assert text == (
        '<autoref identifier="aiomame.EnvPool" optional><code>EnvPool</code></autoref> and '
        '<autoref identifier="m.Pool.step" optional><code>step</code></autoref>, '
        '<autoref identifier="aiomame.Game.axes" optional><code>the axes</code></autoref>, '
        '<autoref identifier="unknown" optional><code>unknown</code></autoref>. Use it so:\n'
        "\n```python\nawait pool.step([0])\n```\n\nDone.")
