"""Launching MAME and reading what it prints: its command line, the output collector, the
warning for ROM files that fail their checksums, and the most precise error for a start that
failed (see :class:`MameLaunch`, a part of :class:`~aiomame.transport.process.MameProcess`).
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import importlib.util
import os
import re
import sys
import warnings
from collections.abc import Callable
from typing import Any

from ..errors import (
    AiomameError,
    MediaLoadError,
    MissingRomsError,
    RomChecksumWarning,
    StartError,
    UnknownGameError,
    UnsupportedMameError,
)
from ..mame import locate as mame

_ROM_PROBLEM = re.compile(r"^(.+?) (NOT FOUND|WRONG LENGTH)")  # software: names with spaces
# MAME refusing a media file: "Device NAME load (-cartridge FILE) failed: WHY" (0.251).
_MEDIA_REFUSED = re.compile(r"Device (.+?) load (?:\(.*\) )?failed: (.*)")
_TRIED_IN = re.compile(r"NOT FOUND \(tried in ([^)]*)\)")  # the ROM sets MAME looked in
# Lines MAME always prints in aiomame's set-up, which say nothing about the game.
_NOISE = ("Warning: -video none doesn't make much sense", "ALSA lib seq_hw.c")
_PLUGIN_LINE = "aiomame: "  # how the plugin reports what stops it before it can connect

# MAME's lines about ROM files that load but fail their checksums, and the line after them.
_BAD_DUMP = re.compile(r"^(.+?) (?:WRONG CHECKSUMS|WRONG LENGTH):")
_BAD_DUMPS_END = ("WARNING: the machine might not run correctly.",  # newer MAMEs, for items:
                  "WARNING: the software item might not run correctly.")
_warned_dumps: set[tuple[str, str]] = set()
# Frames that are not the user's: a warning points past them, at the line that called in.
# aiomame's whole package, and Gymnasium's: gym.make() constructs the env (and starts MAME)
# in its own code.
_NOT_THE_CALLERS = (os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
                    os.path.dirname(asyncio.__file__) + os.sep,
                    *[os.path.dirname(spec.origin) + os.sep for spec in
                      [importlib.util.find_spec("gymnasium")] if spec and spec.origin])

Caller = tuple[str, int, dict[str, Any]]


STARTED_FROM: contextvars.ContextVar[Caller | None] = contextvars.ContextVar(
    "aiomame_started_from", default=None)
"""Where a start was called from in another thread (set by the blocking API, whose calls
run on its loop thread): warnings about that start point there (see :func:`caller`)."""


def caller() -> Caller:
    """(file, line, globals) of the code that called into aiomame: the innermost frame
    outside aiomame and asyncio (for an env started in a task, the line running the loop)."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_NOT_THE_CALLERS):
        frame = frame.f_back
    return frame.f_code.co_filename, frame.f_lineno, frame.f_globals


class MameLaunch:
    """The part of :class:`~aiomame.transport.process.MameProcess` that launches MAME and
    reads its output (the attributes below are set by its ``__init__`` and ``start``)."""

    game: str
    roms_path: str
    binary: str
    render: bool
    throttle: bool
    sound: bool
    debug: bool
    extra_args: list[str]
    media: dict[str, str]
    software: str | None
    hashpath: str | None
    output: collections.deque[str]
    _keep_line: Callable[[str], bool]
    _proc: asyncio.subprocess.Process | None
    _bad_dumps: list[str]
    _started_at: Caller | None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode if self._proc else None

    def _args(self, socket_dir: str) -> list[str]:
        mame_plugins = mame.mame_plugins_dir(self.binary)
        plugins = f"{mame_plugins};{mame.aiomame_plugins_dir()}"
        # MAME's own data beside its plugins (-noreadconfig forgets where the system's
        # mame.ini put it): shaders and artwork for a window, samples for sound.
        share = os.path.dirname(mame_plugins)
        data = [("-bgfx_path", "bgfx"), ("-artpath", "artwork")] if self.render else []
        data += [("-samplepath", "samples")] if self.sound else []
        args = [
            self.binary, self.game, *([self.software] if self.software else []),
            "-noreadconfig", "-skip_gameinfo",
            "-rompath", self.roms_path,
            "-pluginspath", plugins, "-plugin", "aiomame",
            "-homepath", socket_dir,
            # One thread: lockstep leaves MAME's helper threads little to do but spin
            # (about 12% more CPU per step), and many envs already fill the cores.
            "-numprocessors", "1",
        ]
        for kind in ("cfg", "nvram", "input", "state", "snapshot", "diff", "comment"):
            args += [f"-{kind}_directory", os.path.join(socket_dir, kind)]
        # -noreadconfig forgets the hashpath of mame.ini: software lists need it given.
        hashpath = self.hashpath or mame.mame_hash_path(self.binary)
        if hashpath:
            args += ["-hashpath", hashpath]
        for slot, path in self.media.items():
            args += [f"-{slot}", path]
        for option, folder in data:
            if os.path.isdir(os.path.join(share, folder)):
                args += [option, os.path.join(share, folder)]
        args += ["-window"] if self.render else ["-video", "none"]
        if not self.throttle:
            args.append("-nothrottle")
        if not self.sound:
            args += ["-sound", "none"]
        return args + self.extra_args

    def _start_failure(self, version: tuple[int, int]) -> AiomameError:
        """Turn what MAME printed before dying into the most precise error."""
        out = list(self.output)
        code = self.returncode
        text = "\n".join(out)
        plugin = [line[len(_PLUGIN_LINE):] for line in out if line.startswith(_PLUGIN_LINE)]
        if plugin and plugin[0].startswith("unsupported MAME"):
            return UnsupportedMameError(self.binary, version, mame.MIN_VERSION, plugin[0])
        if plugin:
            return StartError(f"the aiomame plugin could not start: {plugin[0]}",
                              returncode=code, output=out)
        unknown = re.search(r"Unknown system '([^']*)'", text)
        if unknown:
            similar = []
            if "best match first" in text:
                tail = text.split("best match first", 1)[1].splitlines()[1:]
                similar = [line.split()[0] for line in tail if line.strip()][:5]
            return UnknownGameError(self.game, similar, returncode=code, output=out)
        needed = re.search(r"Images must be mounted for the following devices: (.+)", text)
        if needed:  # a slot the system cannot start without (a2600's cartridge from 0.276)
            given = dict(self.media, **({"software": self.software} if self.software else {}))
            return MediaLoadError(f"{self.game!r} cannot start without media in: "
                                  f"{needed[1].strip()} (give media={{slot: file}} or "
                                  "software=ITEM)", given, returncode=code, output=out)
        refused = next(filter(None, map(_MEDIA_REFUSED.search, out)), None)
        if refused:
            given = dict(self.media, **({"software": self.software} if self.software else {}))
            return MediaLoadError(f"MAME could not load the media into {refused[1]}: "
                                  f"{refused[2]}", given, returncode=code, output=out)
        missing = [m[1] for m in map(_ROM_PROBLEM.match, out) if m]
        if missing or "Required files are missing" in text:
            if self.software:  # its files go in ROMPATH/LIST/ITEM/
                folder = os.path.join(self.roms_path, *self.software.split(":"))
                return MissingRomsError(self.software, folder, missing, returncode=code,
                                        output=out)
            tried = _TRIED_IN.search(text)
            sets = tried[1].split() if tried else []
            return MissingRomsError(self.game, self.roms_path, missing, sets,
                                    returncode=code, output=out)
        return StartError(f"MAME exited before the plugin connected (status {code})",
                          returncode=code, output=out)

    async def _collect_output(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        while line_bytes := await self._proc.stdout.readline():
            line = line_bytes.decode(errors="replace").rstrip()
            if line.startswith(_NOISE) or not self._keep_line(line):
                continue
            self.output.append(line)
            self._check_dumps(line)
            if self.debug:
                print(f"[mame {self.game} {self.pid}] {line}", file=sys.stderr)

    def _check_dumps(self, line: str) -> None:
        """Collects the ROM files MAME says fail their checksums; warns once it has said
        all of them (its "might not run correctly" line)."""
        bad = _BAD_DUMP.match(line)
        if bad:
            self._bad_dumps.append(bad.group(1))
        elif line in _BAD_DUMPS_END and self._bad_dumps:
            name = self.software or self.game
            key = (name, self.roms_path)
            if key not in _warned_dumps:
                _warned_dumps.add(key)
                files = self._bad_dumps
                check = (f"check the set with: {self.binary} -verifyroms {self.game} -rompath "
                         f"{self.roms_path}" if not self.software else "a software item's "
                         "files go in ROMPATH/LIST/ITEM/")
                filename, lineno, module_globals = self._started_at  # type: ignore[misc]
                # Emitted by the output task: pointed at the line that started this MAME.
                warnings.warn_explicit(RomChecksumWarning(
                    f"{len(files)} ROM file(s) of {name!r} in {self.roms_path!r} fail "
                    f"MAME's checksums ({', '.join(files[:4])}{', ...' if len(files) > 4 else ''}"
                    f"): MAME runs them anyway, and the game may misbehave or show black "
                    f"frames; {check}"), RomChecksumWarning, filename, lineno,
                    module_globals=module_globals)
