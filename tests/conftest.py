"""Shared fixtures: the hand-made test ROM, one started emulator, leak checks. Runs on uvloop."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import pytest_asyncio
import uvloop
from testrom import write_rom_set

from aiomame import Address, Emulator
from aiomame.transport.rundir import runtime_base

ADDRESSES = {
    "counter": Address("0x2000"),
    "port1": Address("0x2001"),
    "word": Address("0x2004", "u16"),
    "minus_two": Address("0x2006", "s8"),
    "u32": Address("0x2008", "u32"),
    "s32": Address("0x2008", "s32"),
}


def pytest_asyncio_loop_factories(config, item):
    return {"uvloop": uvloop.new_event_loop}


@pytest.fixture(scope="session", autouse=True)
def rom_cache(tmp_path_factory: pytest.TempPathFactory):
    """ROM sets laid out for the bundled game go to this run's own cache, not the user's."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture(scope="session", autouse=True)
def runtime_dir():
    """This run's own directory for aiomame's private directories, so that the leak checks
    see only what this run made (in RAM, like the default /dev/shm)."""
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    path = tempfile.mkdtemp(prefix="aiomame-tests-", dir=base)
    os.environ["AIOMAME_RUNTIME_DIR"] = path
    yield path
    del os.environ["AIOMAME_RUNTIME_DIR"]
    leftovers = os.listdir(path)
    shutil.rmtree(path)
    assert leftovers == [], f"private directories left behind: {leftovers}"


@pytest.fixture(scope="session")
def roms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ROM path holding the hand-assembled ``invaders`` test program."""
    return write_rom_set(tmp_path_factory.mktemp("roms"))


@pytest_asyncio.fixture(scope="session")
async def emu(roms: Path):
    """One emulator on the test ROM, shared by the tests that only step and read it."""
    async with Emulator("invaders", roms, ADDRESSES, frame_ratio=3) as emulator:
        yield emulator


def socket_dirs() -> set[str]:
    """aiomame's private socket directories that exist now."""
    tmp = Path(runtime_base())
    return {str(p) for p in tmp.glob("aiomame-*")}


def reaped(pid: int) -> bool:
    """Whether process ``pid`` is gone, zombie included (its parent has waited for it)."""
    return not os.path.exists(f"/proc/{pid}")


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def no_leaks():
    """Asserts that a test leaves no new socket directory behind."""
    before = socket_dirs()
    yield
    assert socket_dirs() - before == set()


