"""Security: nothing on the network, only named commands, nothing received is evaluated.

docs/security.md states these; each test here can fail if one stops being true.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest
from conftest import ADDRESSES

from aiomame import Emulator
from aiomame.errors import CommandError
from aiomame.transport.rundir import runtime_base

ROOT = Path(__file__).resolve().parent.parent
NET_TABLES = ("tcp", "tcp6", "udp", "udp6", "raw", "raw6", "udplite", "udplite6")


def socket_inodes(pid: int | str) -> set[str]:
    """The inodes of the sockets process ``pid`` has open."""
    inodes = set()
    fds = f"/proc/{pid}/fd"
    for fd in os.listdir(fds):
        try:
            target = os.readlink(os.path.join(fds, fd))
        except FileNotFoundError:
            continue
        match = re.fullmatch(r"socket:\[(\d+)\]", target)
        if match:
            inodes.add(match.group(1))
    return inodes


def network_inodes() -> set[str]:
    """The inodes of every IP socket (TCP, UDP, raw; v4 and v6) of this network namespace."""
    inodes = set()
    for table in NET_TABLES:
        try:
            with open(f"/proc/net/{table}") as f:
                rows = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        inodes.update(row.split()[9] for row in rows)
    return inodes


def netlink_inodes() -> set[str]:
    """The inodes of this namespace's netlink sockets (talk to the kernel only)."""
    with open("/proc/net/netlink") as f:
        return {row.split()[9] for row in f.read().splitlines()[1:]}


def unix_socket_paths(inodes: set[str]) -> dict[str, str]:
    """Unix sockets among ``inodes``: inode -> path ('' for unnamed ones)."""
    paths = {}
    with open("/proc/net/unix") as f:
        for row in f.read().splitlines()[1:]:
            fields = row.split()
            if fields[6] in inodes:
                paths[fields[6]] = fields[7] if len(fields) > 7 else ""
    return paths


async def test_no_network_socket_only_private_unix_sockets(roms: Path) -> None:
    """MAME and this Python open no TCP/UDP/raw socket for aiomame: the only sockets are
    Unix ones, named ones only inside the private 0700 directory."""
    ours_before = socket_inodes("self") & network_inodes()
    async with Emulator("invaders", roms, ADDRESSES) as emulator:
        await emulator.step()
        pid = emulator.process.pid
        assert pid is not None
        mame = socket_inodes(pid)
        assert mame, "MAME has no socket open: this test would prove nothing"
        assert mame & network_inodes() == set()
        assert (socket_inodes("self") & network_inodes()) - ours_before == set()
        unix = unix_socket_paths(mame)
        # every socket of MAME's is a Unix one, or netlink (SDL's udev listener: kernel only)
        assert mame - set(unix) <= netlink_inodes()
        for path in {path for path in unix.values() if path}:
            private = os.path.dirname(path)
            assert os.path.dirname(private) == runtime_base()
            assert os.path.basename(private).startswith("aiomame-")
            assert os.stat(private).st_mode & 0o777 == 0o700


@pytest.mark.parametrize("command", [
    ("os.execute", "touch /tmp/aiomame-pwned"),
    ("return os.execute('touch /tmp/aiomame-pwned')",),
    ("load", "os.execute('touch /tmp/aiomame-pwned')"),
])
async def test_the_plugin_runs_only_named_commands(emu: Emulator, command: tuple[str, ...]
                                                   ) -> None:
    """A command that is not one of the plugin's names is refused and nothing runs; the
    emulator stays usable."""
    with pytest.raises(CommandError, match="unknown_command|failed in the plugin"):
        await emu.process.request(*command)
    assert not os.path.exists("/tmp/aiomame-pwned")
    await emu.step()


def python_sources() -> list[Path]:
    return sorted((ROOT / "aiomame").rglob("*.py"))


def test_python_evaluates_nothing_it_reads() -> None:
    """No eval/exec/compile, no pickle (nor numpy's or torch's pickle paths) in aiomame:
    states, recordings, sessions and checkpoints are data only."""
    bad = []
    for path in python_sources():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else (
                    func.attr if isinstance(func, ast.Attribute) else "")
                keywords = {k.arg: k.value for k in node.keywords}
                if isinstance(func, ast.Name) and name in ("eval", "exec", "compile",
                                                           "__import__"):
                    bad.append(f"{where}: {name}()")
                if name == "load" and isinstance(func, ast.Attribute):
                    owner = ast.unparse(func.value)
                    if owner == "torch" and not _true(keywords.get("weights_only")):
                        bad.append(f"{where}: torch.load without weights_only=True")
                    if owner in ("np", "numpy") and _true(keywords.get("allow_pickle")):
                        bad.append(f"{where}: np.load(allow_pickle=True)")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(n.split(".")[0] in ("pickle", "marshal", "shelve", "dill") for n in names):
                    bad.append(f"{where}: imports {names}")
    assert bad == []


def _true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def test_plugin_evaluates_nothing_it_reads() -> None:
    """The Lua plugin has no way to run code it receives: no load/loadstring/dofile, no
    shell (os.execute, io.popen)."""
    pattern = re.compile(r"\b(loadstring|dofile|loadfile|os\.execute|io\.popen)\b"
                         r"|(?<![\w.:])load\s*\(")
    bad = []
    for path in sorted((ROOT / "lua").rglob("*.lua")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("--", 1)[0]
            if pattern.search(code):
                bad.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert bad == []
