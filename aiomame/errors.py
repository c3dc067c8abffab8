"""Every error aiomame raises derives from :class:`AiomameError`.

Groups: bad arguments (:class:`InvalidArgumentError`, also a ``ValueError``), MAME not
installed or not able to start (:class:`SetupError`, :class:`StartError`), MAME going away
or silent during a session (:class:`MameExitedError`, :class:`MameTimeoutError`), and
protocol or lifecycle faults. Errors about a running MAME carry the tail of its output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class AiomameError(Exception):
    """Root of all aiomame errors."""

    @staticmethod
    def _tail(output: Sequence[str]) -> str:
        """MAME's last lines (up to 15), to append to a message; "" when none."""
        if not output:
            return ""
        return "\nMAME said:\n  " + "\n  ".join(list(output)[-15:])


class InvalidArgumentError(AiomameError, ValueError):
    """A value given by the caller is not valid; the message names it and the valid ones."""


class AddressError(InvalidArgumentError):
    """A memory address, its type, device or address space is not valid."""


class UnknownInputError(InvalidArgumentError):
    """An input port or field does not exist in the running game."""


class SetupError(AiomameError):
    """MAME or what the plugin needs is not installed."""


class MameNotFoundError(SetupError):
    """No MAME binary where one was looked for."""


class NoDisplayError(SetupError):
    """``render=True`` asks for MAME's window, but the process has no display."""


class UnsupportedMameError(SetupError):
    """The MAME found is older than aiomame supports, or lacks what the plugin needs.

    ``version`` is the (major, minor) found, ``minimum`` the oldest supported.
    """

    def __init__(self, binary: str, version: tuple[int, int], minimum: tuple[int, int],
                 detail: str = "") -> None:
        found, oldest = ".".join(map(str, version)), ".".join(map(str, minimum))
        super().__init__(f"{binary!r} is MAME {found}; aiomame needs MAME {oldest} or later"
                         + (f" ({detail})" if detail else ""))
        self.binary = binary
        self.version = version
        self.minimum = minimum


class StartError(AiomameError):
    """MAME exited or failed before the plugin said hello."""

    def __init__(self, message: str, *, returncode: int | None = None,
                 output: Sequence[str] = ()) -> None:
        super().__init__(message + self._tail(output))
        self.returncode = returncode
        self.output = list(output)


class UnknownGameError(StartError):
    """MAME does not know the system name (``note``: what else the name is, if anything)."""

    def __init__(self, game: str, similar: Sequence[str], *, note: str = "",
                 **kw: Any) -> None:
        hint = f"; similar: {', '.join(similar)}" if similar else ""
        super().__init__(f"MAME knows no system {game!r}{hint}{note and '. ' + note}", **kw)
        self.note = note
        self.game = game
        self.similar = list(similar)


class MissingRomsError(StartError):
    """Required ROM files were not found (or were bad) in the ROM path."""

    def __init__(self, game: str, roms_path: str, files: Sequence[str],
                 sets: Sequence[str] = (), **kw: Any) -> None:
        where = ""
        if len(sets) > 1:
            where = (f" (MAME looks for them in the ROM sets {', '.join(sets)}: {sets[0]!r} "
                     f"needs its parent's files too, each set a .zip or a folder)")
        super().__init__(
            f"{game!r} cannot run: ROM files missing from {roms_path!r}{where}: "
            f"{', '.join(files)}", **kw
        )
        self.game = game
        self.roms_path = roms_path
        self.files = list(files)
        self.sets = list(sets)


class UnknownMediaSlotError(InvalidArgumentError):
    """A media slot name (``media={"cart": ...}``) that the system does not have; ``slot``
    and the system's ``valid`` slots (brief names)."""

    def __init__(self, system: str, slot: str, valid: Sequence[str]) -> None:
        names = ", ".join(map(repr, valid)) or "(none: it takes no media)"
        super().__init__(f"{system!r} has no media slot {slot!r}; its slots: {names}")
        self.system = system
        self.slot = slot
        self.valid = list(valid)


class MediaFileError(InvalidArgumentError):
    """The file given for a media slot is missing (or not a file): ``slot`` and ``file``."""

    def __init__(self, slot: str, file: str, problem: str = "no such file") -> None:
        super().__init__(f"media {slot!r}: {problem}: {file!r}")
        self.slot = slot
        self.file = file


class UnknownSoftwareError(InvalidArgumentError):
    """A software-list item that none of the system's lists holds (or that none of its
    slots can take); ``software``, the ``lists`` searched and ``similar`` names."""

    def __init__(self, message: str, software: str, lists: Sequence[str],
                 similar: Sequence[str] = ()) -> None:
        super().__init__(message + (f"; similar: {', '.join(similar)}" if similar else ""))
        self.software = software
        self.lists = list(lists)
        self.similar = list(similar)


class MediaLoadError(StartError):
    """MAME refused a media file or software item (wrong size or format, or no slot took
    it); ``media``: what was given, slot -> file (``"software"`` -> the item)."""

    def __init__(self, message: str, media: Mapping[str, str], **kw: Any) -> None:
        given = ", ".join(f"{slot}={file}" for slot, file in media.items()) or "none"
        super().__init__(f"{message} (given: {given})", **kw)
        self.media = dict(media)


class MameExitedError(AiomameError):
    """The MAME process ended while aiomame was talking to it."""

    def __init__(self, message: str, *, returncode: int | None,
                 output: Sequence[str] = ()) -> None:
        super().__init__(f"{message} (exit status {returncode})" + self._tail(output))
        self.returncode = returncode
        self.output = list(output)


class MameExitedAtStartError(StartError, MameExitedError):
    """MAME exited after it said hello, before the emulator was ready: ``start()`` failed
    (a :class:`StartError`) because MAME went away (a :class:`MameExitedError`, with the
    exit status and MAME's last lines)."""

    def __init__(self, exited: MameExitedError) -> None:
        AiomameError.__init__(self, str(exited))
        self.returncode = exited.returncode
        self.output = exited.output


class MameTimeoutError(AiomameError, TimeoutError):
    """MAME did not answer within the timeout; it has been killed."""

    def __init__(self, message: str, *, output: Sequence[str] = ()) -> None:
        super().__init__(message + self._tail(output))
        self.output = list(output)


class ProtocolError(AiomameError):
    """The plugin sent something the wire protocol does not allow (or the wrong version)."""


class CommandError(AiomameError):
    """The plugin could not carry out a command and said why (``code``: the plugin's reason,
    such as ``"failed"`` or ``"unknown_command"``)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class SaveStateError(CommandError):
    """MAME cannot save or load a state: its driver has no save support (``code``
    ``"no_save"``), or it refused the state's bytes (``"load_failed"``: not a state of this
    machine, or damaged)."""


class StateMismatchError(InvalidArgumentError):
    """A saved state is of another system or MAME version than the running machine.

    ``state`` and ``machine`` are ``(system, MAME version)`` of each.
    """

    def __init__(self, state: tuple[str, str], machine: tuple[str, str]) -> None:
        super().__init__(f"the state is of system {state[0]!r} on MAME {state[1]}; this "
                         f"machine is {machine[0]!r} on MAME {machine[1]}: only a state of "
                         "the same system and MAME version can be loaded")
        self.state = state
        self.machine = machine


class StateFileError(InvalidArgumentError):
    """A file is not a readable aiomame state file; the message names it and why."""


class GameError(AiomameError):
    """A game did not behave as its definition expects (e.g. a new game did not start)."""


class EnvDeadError(AiomameError):
    """An env's MAME died and could not be brought back (the restart limit was reached).

    ``env_id``, ``restarts`` (attempts made in the last row) and ``cause`` (the last error:
    the crash, or the failure of the last restart) say what happened.
    """

    def __init__(self, env_id: int, restarts: int, cause: BaseException) -> None:
        super().__init__(f"env {env_id} is dead: its MAME failed and {restarts} restart(s) "
                         f"in a row did not bring it back; last error: {cause}")
        self.env_id = env_id
        self.restarts = restarts
        self.cause = cause


class StateError(AiomameError, RuntimeError):
    """A call in the wrong state: before start, after close, or while another call runs."""


class RomChecksumWarning(UserWarning):
    """ROM files that fail MAME's checksums: MAME runs them anyway, and the game may
    misbehave or show black frames. Warned once per process, ROM set and ROM path."""


class RuntimeDirError(StartError):
    """aiomame's runtime directory (``$AIOMAME_RUNTIME_DIR``, else /dev/shm) cannot hold a
    MAME's private directory: missing and not creatable, not a directory, read-only or full.

    ``path`` is the directory, ``needed`` and ``free`` the bytes (None when not about space).
    """

    def __init__(self, message: str, *, path: str, needed: int | None = None,
                 free: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.needed = needed
        self.free = free


class ServeError(InvalidArgumentError):
    """The web server (:mod:`aiomame.web`) cannot listen where asked: the port is taken or
    not allowed, or the host is no address of this machine. ``host`` and ``port`` say
    where."""

    def __init__(self, message: str, *, host: str, port: int) -> None:
        super().__init__(message)
        self.host = host
        self.port = port
