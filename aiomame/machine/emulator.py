"""One emulated machine as an environment: step it, read its frame and memory, press inputs.

Here: :class:`Emulator`'s lifecycle, screens and steps; its parts are
:mod:`~aiomame.machine.memory` (:class:`Address`, reads and writes),
:mod:`~aiomame.machine.inputs` (:class:`Action`, inputs, settings) and
:mod:`~aiomame.machine.state` (saving and loading states)."""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import cv2
import numpy as np

from ..checks import check_bool, check_keywords, check_path, invalid_choice
from ..errors import (
    AddressError,
    InvalidArgumentError,
    MameExitedAtStartError,
    MameExitedError,
    MediaLoadError,
    SetupError,
    StateError,
    UnknownGameError,
)
from ..mame import locate as mame
from ..mame import media as media_mod
from ..mame import romset, softlist
from ..transport.process import MameProcess
from ..transport.protocol import step_command
from .frames import FrameConverter, ObsSpec
from .inputs import Action, InputAccess, check_settings
from .memory import Address, MemoryAccess, check_addresses
from .state import StateAccess

__all__ = ["EMULATOR_KEYWORDS", "Action", "Address", "Emulator", "check_emulator_kwargs"]

_MAX_COMMANDS = 4096  # step commands kept per emulator


UNKNOWN_SYSTEM_NOTES: list[Callable[[str], str]] = []
"""Functions that explain a name MAME does not know (``""``: nothing to say), added by the
layers above: :mod:`aiomame.games` says how to run one of its games."""


def check_emulator_kwargs(where: str, kwargs: Mapping[str, Any],
                          init: Callable[..., Any] | None = None) -> None:
    """Checks that ``kwargs`` (given to ``where``, passed on to each :class:`Emulator`) are
    Emulator's keyword arguments; raises InvalidArgumentError naming the valid ones:
    ``init``'s own optional arguments (``where``'s ``__init__``), then Emulator's."""
    own = [] if init is None else [
        p.name for p in inspect.signature(init).parameters.values()
        if p.default is not p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    check_keywords(where, kwargs, [*own, *EMULATOR_KEYWORDS])


def _check_options(game: object, roms_path: object, memory_addresses: object,
                   mame_binary: object, screen: object, extra_args: object,
                   output_filter: object, flags: Mapping[str, object],
                   timeouts: Mapping[str, object]) -> None:
    """Checks the Emulator's arguments that MAME or the process would stumble on later."""
    if not isinstance(game, str) or not game:
        raise InvalidArgumentError(f"game must be a MAME system name (a non-empty str), "
                                   f"got {game!r}")
    check_path("roms_path", roms_path)
    check_path("mame_binary", mame_binary, none=True)
    if memory_addresses is not None:
        check_addresses("memory_addresses", memory_addresses)
    if screen is not None and not isinstance(screen, str):
        raise InvalidArgumentError(f"screen must be a screen tag (a str) or None, got "
                                   f"{screen!r}")
    if isinstance(extra_args, (str, bytes)) or not isinstance(extra_args, Sequence) \
            or not all(isinstance(a, str) for a in extra_args):
        raise InvalidArgumentError(f"extra_args must be a sequence of str (MAME's "
                                   f"arguments), got {extra_args!r}")
    if output_filter is not None and not callable(output_filter):
        raise InvalidArgumentError(f"output_filter must be a callable or None, got "
                                   f"{output_filter!r}")
    for name, flag in flags.items():
        check_bool(name, flag)
    for name, seconds in timeouts.items():
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) \
                or not seconds > 0:
            raise InvalidArgumentError(f"{name} must be a number of seconds > 0, got "
                                       f"{seconds!r}")


class Emulator(MemoryAccess, InputAccess, StateAccess):
    """A MAME machine driven in lockstep: ``await step(actions)`` → frame and memory values.

    Lifecycle: construct → ``await start()`` (or ``async with``) → ``step``/``read``/… →
    ``await close()``. Each step holds the given actions for ``frame_ratio`` frames, then
    releases them, and returns the last frame and the values of ``memory_addresses``.

    The frame is an observation as ``obs_type`` ("rgb", "grayscale" or "bgra"), ``resize``
    ((height, width) or None) and ``interpolation`` say (see :mod:`aiomame.machine.frames`);
    ``maxpool=True`` makes it the pixel-wise maximum of the step's last two frames (against
    sprites that flicker on alternate frames; MAME then writes two frames per step).

    Media (consoles, computers): ``media`` maps MAME's slot names (brief like ``"cart"``,
    ``"flop1"``, ``"cass"``, or full like ``"cartridge"``) to files; ``software`` names a
    software-list item (``"breakout"`` or ``"a2600:breakout"``), its ROM files in
    ``roms_path/LIST/ITEM/``; ``hashpath``: MAME's software lists (default: the
    installation's, see :func:`aiomame.mame.locate.mame_hash_path`). All are checked here:
    UnknownMediaSlotError, MediaFileError, UnknownSoftwareError; a file MAME refuses is a
    MediaLoadError from :meth:`start`. :attr:`info` ``["media"]`` says what is loaded.

    ``settings``: DIP switches and configuration settings, ``"PORT/FIELD"`` -> a setting's
    name or value (``{":CAB/Cabinet": "Cocktail"}``), made at start and kept over resets;
    :meth:`start` raises UnknownInputError or InvalidArgumentError (naming the valid
    settings) for a bad one.
    """

    def __init__(
        self,
        game: str,
        roms_path: str | os.PathLike[str] = "roms",
        memory_addresses: Mapping[str, Address] | None = None,
        frame_ratio: int = 3,
        *,
        render: bool = False,
        throttle: bool = False,
        sound: bool = False,
        debug: bool = False,
        mame_binary: str | os.PathLike[str] | None = None,
        screen: str | None = None,
        start_timeout: float = 30.0,
        step_timeout: float = 30.0,
        extra_args: Sequence[str] = (),
        output_filter: Callable[[str], bool] | None = None,
        obs_type: str = "rgb",
        resize: tuple[int, int] | None = None,
        interpolation: str = "area",
        maxpool: bool = False,
        media: Mapping[str, str | os.PathLike[str]] | None = None,
        software: str | None = None,
        hashpath: str | os.PathLike[str] | None = None,
        settings: Mapping[str, str | int] | None = None,
    ) -> None:
        _check_options(game, roms_path, memory_addresses, mame_binary, screen, extra_args,
                       output_filter, {"render": render, "throttle": throttle, "sound": sound,
                                       "debug": debug},
                       {"start_timeout": start_timeout, "step_timeout": step_timeout})
        self.obs = ObsSpec(obs_type, resize, interpolation)
        if not isinstance(frame_ratio, int) or isinstance(frame_ratio, bool) or frame_ratio < 1:
            raise InvalidArgumentError(f"frame_ratio must be an int >= 1, got {frame_ratio!r}")
        if not isinstance(maxpool, bool) or (maxpool and frame_ratio < 2):
            raise InvalidArgumentError(f"maxpool=True takes the maximum of a step's last two "
                                       f"frames: it needs frame_ratio >= 2, got "
                                       f"maxpool={maxpool!r}, frame_ratio={frame_ratio!r}")
        self.maxpool = maxpool
        self.settings = check_settings(settings)
        self._pooled = np.empty(0, np.uint8)
        self.memory_addresses = dict(memory_addresses or {})
        for name in self.memory_addresses:
            if name == "frame":
                raise AddressError("'frame' is the name of the frame; call the address otherwise")
        self.game = game
        self.frame_ratio = frame_ratio
        self.step_timeout = step_timeout
        self._screen_tag = screen
        check_path("hashpath", hashpath, none=True)
        binary = mame.find_mame(mame_binary)
        hash_path = os.fspath(hashpath) if hashpath is not None else None
        slots = media_mod.check(binary, game, {} if media is None else media)
        item = None
        if software is not None:
            hash_path = hash_path or mame.mame_hash_path(binary)
            if hash_path is None:
                raise SetupError(f"software={software!r} needs MAME's software lists (hash/"
                                 "*.xml), which are not beside its plugins nor in its "
                                 "hashpath: pass hashpath=...")
            found = softlist.find(binary, game, software, hash_path,
                                  [s.interface for s in media_mod.slots(binary, game)])
            item = f"{found.list}:{found.name}"
        if output_filter is None and item is None:  # a set `aiomame roms` wrote: quiet
            output_filter = romset.marked_set_filter(roms_path, game, binary)
        self._process = MameProcess(
            game, roms_path=os.fspath(roms_path), binary=binary, render=render,
            throttle=throttle, sound=sound, debug=debug, extra_args=extra_args,
            start_timeout=start_timeout, output_filter=output_filter, media=slots,
            software=item, hashpath=hash_path,
        )
        self._names = list(self.memory_addresses)
        self._field_ids: dict[Action, list[int]] = {}
        self._commands: dict[tuple[tuple[Action, ...], bool], bytes] = {}
        self._screen_index = -1
        self._converter = FrameConverter(spec=self.obs)
        self._screen_converter: FrameConverter | None = None  # for screen(), made on use
        self._shown: tuple[np.ndarray, int, int] | None = None  # last step's raw pixels
        self._busy = False

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> Emulator:
        """Start MAME, check the game's screens, devices and addresses, arm the reads.

        Raises StartError (or a subclass: MissingRomsError, UnknownGameError,
        RuntimeDirError; MameExitedAtStartError, also a MameExitedError, for a MAME that
        exits after its hello), MameTimeoutError, ProtocolError, SetupError.
        """
        try:
            info = await self._process.start()
        except UnknownGameError as exc:
            note = next((n for f in UNKNOWN_SYSTEM_NOTES if (n := f(self.game))), "")
            if not note:
                raise
            raise UnknownGameError(exc.game, exc.similar, note=note, returncode=exc.returncode,
                                   output=exc.output) from None
        try:
            await self._describe_media(info)
            self._choose_screen(info["screens"])
            for key, value in self.settings.items():
                await self._apply_setting(key, value)
            await self._process.request("watch", [self._resolve(a) for a in
                                                  self.memory_addresses.values()])
        except BaseException as exc:
            await self.close()
            if isinstance(exc, MameExitedError):  # start() failed: a StartError too
                raise MameExitedAtStartError(exc) from exc
            raise
        return self

    async def close(self) -> None:
        """Stop MAME and clean up; safe to call more than once, and after errors."""
        self._shown = None  # a view of the frames file: it would keep the file mapped
        await self._process.close()

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _describe_media(self, info: dict[str, Any]) -> None:
        """Completes the hello's ``media`` (see :attr:`info`) with ``mame -listxml``'s slot
        facts (read once per system, in a thread); MediaLoadError if a file or the
        software item asked for is not where MAME says it loaded things."""
        process = self._process
        loaded = info.get("media")
        known = await asyncio.to_thread(media_mod.slots, process.binary, self.game) \
            if loaded else ()
        info["media"] = media_mod.describe(loaded, known)
        # What each slot holds, as far as this MAME's Lua says (a slot it does not list is
        # not checked): a path, "LIST:ITEM", or the item's name alone.
        holds = {m["brief"]: m["file"] or m["software"] for m in info["media"]}
        given = dict(process.media, **({"software": process.software}
                                       if process.software else {}))
        for slot, file in process.media.items():
            if slot in holds and holds[slot] != file:
                raise MediaLoadError(f"MAME started without {file!r} in slot {slot!r} (it "
                                     f"holds {holds[slot]!r})", given, output=process.output)
        item = process.software
        if item and holds and not {item, item.split(":")[-1]} & set(holds.values()):
            raise MediaLoadError(f"MAME started without loading {item!r} into a slot", given,
                                 output=process.output)

    @property
    def info(self) -> dict[str, Any]:
        """The plugin's hello: MAME version, system, screens, devices, ports, and
        ``media``: each media slot as ``{"tag", "name", "brief", "type", "interface",
        "extensions", "file", "software"}`` (``file``: the path loaded, ``software``:
        ``"LIST:ITEM"`` loaded from a software list, else None)."""
        return self._process.hello

    @property
    def process(self) -> MameProcess:
        return self._process

    @property
    def frame_shape(self) -> tuple[int, ...] | None:
        """The shape of the frame :meth:`step` returns (uint8), known once started:
        (height, width, 3) for RGB as displayed, (h, w) grayscale, (h, w, 4) BGRA; None for
        a game without screen. A screen can change size (a game switching video modes):
        this is the last step's frame's shape (before the first step: the size MAME
        declared at start); with ``resize``, always that."""
        size = self.screen_size
        return None if size is None else self._converter.shape(*size)

    @property
    def screen_size(self) -> tuple[int, int] | None:
        """(width, height) of the observed screen's bitmap, unrotated: the last step's frame's
        (before the first step: as MAME declared it at start); None for a game without
        screen or before start."""
        if self._screen_index < 0:
            return None
        if self._shown is not None:
            return self._shown[1], self._shown[2]
        screen = self.info["screens"][self._screen_index]
        return screen["width"], screen["height"]

    @property
    def display_size(self) -> tuple[int, int] | None:
        """(height, width) of the last step's frame as the player sees it (rotated), before
        any ``resize``; before the first step, of the screen as MAME declared it."""
        size = self.screen_size
        if size is None:
            return None
        width, height = size
        return (width, height) if self._converter.rotation in (90, 270) else (height, width)

    def oriented(self, bgra: np.ndarray) -> np.ndarray:
        """A view of a batch of raw (N, H, W, 4) frames of the observed screen as the player
        sees them (its rotation and flips; no copy)."""
        return self._converter.oriented(bgra, batch=True)

    def saw_frame(self, width: int, height: int) -> None:
        """Note that the last step's frame (``width`` x ``height``) was taken where MAME
        wrote it, without :meth:`frame_into` (for :meth:`screen`)."""
        self._shown = (self._process.shared_pixels(width * height * 4), width, height)

    def observe_into(self, out: np.ndarray) -> np.ndarray:
        """The last step's observation again, written into ``out`` (scaled into it when its
        height and width are not the frame's: see :meth:`frame_into`); StateError before
        any step with a frame."""
        if self._shown is None:
            raise StateError("no frame: step() with frame=True first (and before close())")
        pixels, width, height = self._shown
        return self._converter.convert(pixels, width, height, out)

    def _choose_screen(self, screens: list[dict[str, Any]]) -> None:
        tags = [s["tag"] for s in screens]
        if self._screen_tag is None:
            index = 0 if screens else -1
        elif self._screen_tag in tags:
            index = tags.index(self._screen_tag)
        else:
            raise invalid_choice(f"screen of {self.game!r}", self._screen_tag, tags)
        self._screen_index = index
        if index >= 0:
            s = screens[index]
            self._converter = FrameConverter(s["rotation"], bool(s["flipx"]), bool(s["flipy"]),
                                             self.obs)

    # -- stepping ----------------------------------------------------------------------
    def step_command(self, actions: Iterable[Action] = (), frame: bool = True) -> bytes:
        """The step command holding ``actions`` for ``frame_ratio`` frames (with the frame
        or not), made once per distinct actions and reused (see
        :func:`~aiomame.transport.protocol.step_command`). Raises InvalidArgumentError,
        UnknownInputError, StateError as :meth:`step` does."""
        if frame.__class__ is not bool:
            check_bool("frame", frame)
        try:
            key = (actions if actions.__class__ is tuple else tuple(actions), frame)
            command = self._commands.get(key)
        except TypeError:  # not iterable, or an unhashable item
            raise InvalidArgumentError(f"actions must be an iterable of Action(port, field), "
                                       f"got {actions!r}") from None
        if command is not None:
            return command
        if isinstance(actions, str):  # its letters would be the actions (not on the hot path)
            port, _, field = actions.partition("/")
            raise InvalidArgumentError(f"actions must be an iterable of Action(port, field), "
                                       f"got the string {actions!r}: give "
                                       f"[Action({port!r}, {field or 'FIELD'!r})]")
        inputs = self._inputs(key[0])
        if not self.info:
            self._process._check_usable()  # not started, or closed: its StateError
        if frame and self._screen_index < 0:
            raise StateError(f"{self.game!r} has no screen: step with frame=False")
        if len(self._commands) >= _MAX_COMMANDS:  # e.g. analog values: keep it bounded
            self._commands.clear()
        command = self._commands[key] = step_command(
            self.frame_ratio, inputs, self._screen_index if frame else -1, self.maxpool)
        return command

    async def step_into(self, actions: Iterable[Action] = (), *, frame: bool = True,
                        out: np.ndarray | None = None
                        ) -> tuple[Sequence[int], np.ndarray | None]:
        """Like :meth:`step`, returning (values in ``memory_addresses`` order, frame).

        The frame is written into ``out`` when given (shape :attr:`frame_shape`, or the
        shape of an earlier frame: a frame of another height and width is scaled into
        ``out``, as ``interpolation`` says).
        """
        command = self.step_command(actions, frame)
        if self._busy:
            raise StateError("another step or command is still running on this emulator")
        self._busy = True
        try:
            _, values, width, height, where = await self._process.step(
                command, self.step_timeout)
        finally:
            self._busy = False
        if not where:
            return values, None
        return values, self.frame_into(width, height, out, where < 0)

    def frame_into(self, width: int, height: int, out: np.ndarray | None = None,
                   own: bool = False) -> np.ndarray:
        """The observation of the frame that the last step's reply announced (``width`` x
        ``height``, in the frames file; with ``own``, in MAME's own one although its
        frames go to a pool's shared file), written into ``out`` if given (scaled into it
        when its height and width are not the frame's)."""
        n = width * height * 4
        if not self.maxpool:
            pixels = self._process.shared_pixels(n, own)
        else:
            pair = self._process.shared_pixels(2 * n, own)
            if self._pooled.size != n:
                self._pooled = np.empty(n, np.uint8)
            pixels = cv2.max(pair[:n], pair[n:], dst=self._pooled)
        self._shown = (pixels, width, height)
        return self._converter.convert(pixels, width, height, out)

    def screen(self) -> np.ndarray:
        """The last step's screen as the player sees it: RGB (H, W, 3), full size, a new
        array (whatever ``obs_type`` and ``resize`` are; with ``maxpool``, the pooled
        frame). Made from that step's pixels, without asking MAME."""
        if self._shown is None:
            raise StateError("no frame: step() with frame=True first (and before close())")
        pixels, width, height = self._shown
        if self._screen_converter is None:
            c = self._converter
            self._screen_converter = FrameConverter(c.rotation, c.flipx, c.flipy)
        return self._screen_converter.convert(pixels, width, height)

    def obs_options(self) -> dict[str, Any]:
        """The options that make this emulator's frames what they are: ``obs_type``,
        ``resize`` (a tuple or None), ``interpolation`` and ``maxpool``."""
        spec = self.obs
        return {"obs_type": spec.obs_type, "resize": spec.resize,
                "interpolation": spec.interpolation, "maxpool": self.maxpool}

    def screen_bgra(self) -> np.ndarray:
        """The last step's screen as MAME drew it: B,G,R,A (H, W, 4), unrotated, a copy;
        the cheapest way to take a screen away (the web pages' JPEGs), to be turned into
        the player's view elsewhere by a :meth:`screen_converter`. StateError as
        :meth:`screen`."""
        if self._shown is None:
            raise StateError("no frame: step() with frame=True first (and before close())")
        pixels, width, height = self._shown
        return pixels[:width * height * 4].reshape(height, width, 4).copy()

    def screen_converter(self) -> FrameConverter:
        """A new converter of this screen's raw pixels into the player's view, RGB (as
        :meth:`screen` makes it); its own buffers, so it may run on another thread."""
        c = self._converter
        return FrameConverter(c.rotation, c.flipx, c.flipy)

    async def step(self, actions: Iterable[Action] = (), *, frame: bool = True) -> dict[str, Any]:
        """Hold ``actions`` for ``frame_ratio`` frames; return ``{"frame": array, name: value}``.

        ``frame=False`` skips the pixels (the step is then as fast as MAME itself). The frame
        is a new array, except with ``obs_type="bgra"`` and no resize: a view of MAME's
        frame, valid until the next step.
        """
        values, pixels = await self.step_into(actions, frame=frame)
        data: dict[str, Any] = dict(zip(self._names, values, strict=False))
        if pixels is not None:
            data["frame"] = pixels
        return data

    async def reset(self, kind: str = "soft") -> None:
        """Reset the machine (``"soft"`` or ``"hard"``); takes effect during the next step."""
        if kind not in ("soft", "hard"):
            raise invalid_choice("reset kind", kind, ("soft", "hard"))
        await self._command("reset", kind)

    async def _command(self, *args: Any, call: Callable[..., Awaitable[Any]] | None = None
                       ) -> Any:
        """``call(*args, timeout=step_timeout)`` (default: the process's ``request``), one
        at a time."""
        if self._busy:
            raise StateError("another step or command is still running on this emulator")
        self._busy = True
        try:
            return await (call or self._process.request)(*args, timeout=self.step_timeout)
        finally:
            self._busy = False


EMULATOR_KEYWORDS = [name for name, p in inspect.signature(Emulator).parameters.items()
                     if p.kind is p.KEYWORD_ONLY]
"""The keyword-only arguments of :class:`Emulator`, which GameEnv and EnvPool pass on."""
