"""``aiomame doctor``: is everything aiomame needs here, and what to do where it is not.

Checks Python and the packages, MAME (found, version supported, its plugin folder), the
aiomame plugin (starts the bundled game headless: the plugin loads and says hello, SDL's
dummy video and audio drivers work), the folder for frames ($AIOMAME_RUNTIME_DIR, else
/dev/shm), the cache, and a display for ``render=True`` and ``debug``. One line per check:
ok, warn or fail, with what to do; exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import AiomameError
from ..extras import TORCH, install
from ..machine.debugger import XVFB_HINT, has_display
from .common import FAILURE_EXIT, add_json, add_mame, print_json

INSTALL_MAME = ("in the aiomame repository: bash mame/install.sh (Debian/Ubuntu: "
                "sudo apt install mame), or set $AIOMAME_MAME / pass --mame")
_FREE_MB = 64  # frames per env are a few MB at most; warn below this


@dataclass
class Check:
    name: str
    status: str  # "ok", "warn" or "fail"
    detail: str
    fix: str = ""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check MAME, the plugin and the Python packages",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_mame(p)
    p.add_argument("--no-start", dest="start", action="store_false",
                   help="skip starting the bundled game (the plugin check)")
    add_json(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    checks: list[Check] = []
    for check in _checks(args):
        try:
            found = check()
        except Exception as exc:  # a check that breaks is a failed check, not a crash
            found = Check(check.__name__.removeprefix("_").replace("_", " "), "fail",
                          f"{type(exc).__name__}: {exc}")
        checks.extend(found if isinstance(found, list) else [found])
        if not args.json:
            for c in found if isinstance(found, list) else [found]:
                _show(c)
    failed = [c for c in checks if c.status == "fail"]
    if args.json:
        print_json({"ok": not failed, "checks": [asdict(c) for c in checks]})
    else:
        warned = sum(c.status == "warn" for c in checks)
        print(f"{len(checks)} checks: {len(failed)} failed, {warned} warnings")
    return FAILURE_EXIT if failed else 0


def _show(check: Check) -> None:
    print(f"{check.status:<4}  {check.name:<17} {check.detail}", flush=True)
    if check.fix and check.status != "ok":
        print(f"{'':<23}-> {check.fix}", flush=True)


def _checks(args: argparse.Namespace) -> list[Callable[[], Check | list[Check]]]:
    mame: dict[str, Any] = {}
    checks: list[Callable[[], Check | list[Check]]] = [
        _python, _packages, lambda: _mame(args.mame, mame), lambda: _plugins(mame)]
    if args.start:
        checks.append(lambda: _start(args.mame, mame))
    return [*checks, _runtime_dir, _cache, _display]


def _python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info >= (3, 11)
    return Check("python", "ok" if ok else "fail", f"{version} at {sys.executable}",
                 "" if ok else "aiomame needs Python 3.11 or later")


_REQUIRED = (("aiomame", "aiomame"), ("numpy", "numpy"), ("msgpack", "msgpack"),
             ("opencv", "cv2"), ("pillow", "PIL"), ("tqdm", "tqdm"))
_OPTIONAL = (("uvloop", "uvloop", "pip install uvloop (a faster event loop)"),
             ("gymnasium", "gymnasium", f"{install('gym')}: aiomame.gym"),
             ("stable-baselines3", "stable_baselines3", install("sb3")),
             ("pettingzoo", "pettingzoo", f"{install('pettingzoo')}: aiomame.pettingzoo"),
             ("torch", "torch", f"{TORCH} (the CPU build), then "
                                f"{install('train')}: examples/train_ppo.py"),
             ("imageio-ffmpeg", "imageio_ffmpeg", f"{install('video')}: MP4 export"))


def _version(module: Any, name: str) -> str:
    version = getattr(module, "__version__", None)
    if version is None:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "?"
    return str(version)


def _packages() -> list[Check]:
    found = []
    for name, module_name in _REQUIRED:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            found.append(Check(name, "fail", f"cannot import {module_name}: {exc}",
                               "pip install . (in the aiomame repository) reinstalls what "
                               "aiomame needs"))
            continue
        where = f" at {os.path.dirname(module.__file__ or '')}" if name == "aiomame" else ""
        found.append(Check(name, "ok", _version(module, name) + where))
    for name, module_name, fix in _OPTIONAL:  # found, not imported (torch takes seconds)
        if importlib.util.find_spec(module_name) is None:
            found.append(Check(name, "warn", "not installed (optional)", fix))
            continue
        found.append(Check(name, "ok", _version(None, name)))
    return found


def _mame(binary: str | None, mame: dict[str, Any]) -> Check:
    from ..mame.locate import MIN_VERSION, find_mame, mame_version

    try:
        path = find_mame(binary)
    except AiomameError as exc:
        return Check("mame", "fail", str(exc).split(":")[0], INSTALL_MAME)
    try:
        version = mame_version(path)
    except AiomameError as exc:
        return Check("mame", "fail", f"{path}: {exc}",
                     f"aiomame needs MAME {'.'.join(map(str, MIN_VERSION))} or later: "
                     + INSTALL_MAME)
    mame["path"] = path
    return Check("mame", "ok", f"MAME {version[0]}.{version[1]} at {path} (supported: "
                 f"{'.'.join(map(str, MIN_VERSION))} or later)")


def _plugins(mame: dict[str, Any]) -> Check:
    from ..mame.locate import aiomame_plugins_dir, mame_plugins_dir

    if "path" not in mame:
        return Check("plugins", "fail", "not checked: no usable MAME (see above)")
    try:
        ours, theirs = aiomame_plugins_dir(), mame_plugins_dir(mame["path"])
    except AiomameError as exc:
        return Check("plugins", "fail", str(exc),
                     "reinstall MAME's data (sudo apt install --reinstall mame-data) or "
                     "aiomame (pip install .)")
    return Check("plugins", "ok", f"MAME's in {theirs}, aiomame's in {ours}")


def _start(binary: str | None, mame: dict[str, Any]) -> Check:
    from ..episodes.env import GameEnv
    from ..runner import run

    if "path" not in mame:
        return Check("plugin hello", "fail", "not checked: no usable MAME (see above)")

    async def hello() -> tuple[dict[str, Any], float, float]:
        started = time.perf_counter()
        async with GameEnv("catch", mame_binary=binary) as env:
            up = time.perf_counter() - started
            await env.reset(seed=0)
            for _ in range(10):
                await env.step(0)
            return dict(env.emulator.info), up, time.perf_counter() - started

    try:
        info, up, total = run(hello())
    except AiomameError as exc:
        return Check("plugin hello", "fail", f"the bundled game did not run headless: "
                     f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}",
                     "run `python -m aiomame play catch --episodes 1` to see MAME's output; "
                     "SDL's dummy drivers come with MAME's libsdl2 (sudo apt install "
                     "libsdl2-2.0-0)")
    return Check("plugin hello", "ok",
                 f"catch ran headless (SDL dummy video/audio): plugin protocol "
                 f"{info.get('protocol')}, MAME {info.get('mame')}, started in {up:.1f} s, "
                 f"a new game and 10 steps in {total - up:.2f} s")


def _runtime_dir() -> Check:
    from ..transport.rundir import runtime_base

    base = runtime_base()
    fix = ("set $AIOMAME_RUNTIME_DIR to a writable folder, ideally in RAM (a tmpfs such as "
           "/dev/shm)")
    try:
        with tempfile.TemporaryDirectory(prefix="aiomame-doctor-", dir=base):
            pass
    except OSError as exc:
        return Check("runtime dir", "fail", f"{base} is not writable: {exc}", fix)
    free = shutil.disk_usage(base).free / 2**20
    source = "$AIOMAME_RUNTIME_DIR" if os.environ.get("AIOMAME_RUNTIME_DIR") else "default"
    detail = f"{base} ({source}) writable, {free:,.0f} MB free"
    if free < _FREE_MB:
        return Check("runtime dir", "warn", detail + f" (under {_FREE_MB} MB)", fix)
    if base != "/dev/shm" and source == "default":
        return Check("runtime dir", "warn", detail + " (not /dev/shm: frames go through disk "
                     "files)", fix)
    return Check("runtime dir", "ok", detail)


def _cache() -> Check:
    from ..mame.systems import cache_dir

    path = cache_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        return Check("cache", "warn", f"{path} is not writable: {exc}",
                     "set $XDG_CACHE_HOME to a writable folder (ROM sets and MAME's system "
                     "list are cached there)")
    return Check("cache", "ok", f"{path} writable")


def _display() -> Check:
    if has_display():
        which = os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY")
        return Check("display", "ok", f"{which}: render=True and `debug` can open windows")
    return Check("display", "warn", "none (DISPLAY and WAYLAND_DISPLAY unset): headless only; "
                 "render=True, render_mode='human' and `debug` need one", XVFB_HINT)
