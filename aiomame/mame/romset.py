"""ROM sets as the running MAME names them.

ROM file names change between MAME versions (``invaders.h`` in 0.251 is
``9316b-0869_m739h.h1`` in 0.276), while what the system loads where does not. So a ROM set
that aiomame writes (the bundled game, the tests' programs) is kept as memory-region images,
and :func:`lay_out` cuts them into the files that ``mame -listxml`` says this MAME loads.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..checks import invalid_choice
from ..errors import InvalidArgumentError
from . import listxml


@dataclass(frozen=True)
class RomFile:
    """One file of a system's ROM set, as ``mame -listxml`` describes it."""

    name: str
    size: int
    region: str
    offset: int
    crc: str | None  # lowercase hex as MAME prints it; None: no good dump known
    sha1: str | None


def rom_files(binary: str, system: str) -> tuple[RomFile, ...]:
    """The ROM files ``system`` loads on this MAME, in MAME's order."""
    return tuple(
        RomFile(rom.get("name", ""), int(rom.get("size", "0")), rom.get("region", ""),
                int(rom.get("offset", "0"), 16), rom.get("crc"), rom.get("sha1"))
        for rom in listxml.machine(binary, system).iter("rom")
    )


def digests(data: bytes) -> tuple[str, str]:
    """(CRC32, SHA1) of ``data`` in lowercase hex, as MAME prints them."""
    return f"{zlib.crc32(data) & 0xFFFFFFFF:08x}", hashlib.sha1(data).hexdigest()


def cut(images: Mapping[str, bytes], files: tuple[RomFile, ...]) -> dict[str, bytes]:
    """Each file's bytes, cut from the image of its memory region."""
    out = {}
    for rom in files:
        if rom.region not in images:
            raise invalid_choice(f"memory region (for ROM file {rom.name!r})", rom.region,
                                 images)
        data = images[rom.region][rom.offset:rom.offset + rom.size]
        if len(data) != rom.size:
            raise InvalidArgumentError(
                f"the {rom.region!r} image is {len(images[rom.region])} bytes: too short for "
                f"{rom.name!r} ({rom.size} bytes at 0x{rom.offset:X})")
        out[rom.name] = data
    return out


MARK = "aiomame-set.txt"
"""The file beside a set that :func:`lay_out` marked: its files' names and checksums."""
_MARK_HEADER = ("# Written by aiomame beside a ROM set cut from its own images, not the original\n"
                "# dump: aiomame hides MAME's checksum warnings about exactly these files (name,\n"
                "# CRC32, SHA1). Delete this file to see them.\n")


def lay_out(images: Mapping[str, bytes], system: str, binary: str,
            dest: str | os.PathLike[str] | None = None, *, mark: bool = False) -> str:
    """A ROM path holding ``system``'s set cut from ``images`` (region name -> bytes), named
    as the MAME at ``binary`` expects. Returns the ROM path (the folder above ``system/``).

    Without ``dest``, the set goes to a cache folder named after its content (under
    $XDG_CACHE_HOME/aiomame/roms), written once, atomically, by whichever process is first.
    ``mark`` (with ``dest``) writes :data:`MARK` beside the files, so that an emulator on
    that ROM path stays quiet about their checksums (:func:`marked_set_filter`).
    Raises InvalidArgumentError for images that do not fit the set.
    """
    files = cut(images, rom_files(binary, system))
    if dest is not None:
        folder = Path(dest) / system
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        if mark:
            (folder / MARK).write_text(_MARK_HEADER + "".join(
                f"{name} {' '.join(digests(data))}\n" for name, data in files.items()))
        return os.fspath(dest)
    key = hashlib.sha1(repr(sorted((n, digests(d)) for n, d in files.items())).encode())
    cache_root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aiomame"
    rompath = cache_root / "roms" / f"{system}-{key.hexdigest()[:16]}"
    if (rompath / system).is_dir():
        return os.fspath(rompath)
    rompath.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{system}-", dir=rompath.parent))
    try:
        (staging / system).mkdir()
        for name, data in files.items():
            (staging / system / name).write_bytes(data)
        os.chmod(staging, 0o755)
        try:
            staging.rename(rompath)
        except OSError:  # another process was first: its copy is the same
            if not (rompath / system).is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return os.fspath(rompath)


def zero_filled(binary: str, system: str, dest: str | os.PathLike[str]) -> str:
    """A ROM path (``dest``) holding every ROM file ``mame -listxml system`` names, as zero
    bytes: the system's own, those it shares with its parent and BIOS, and its devices',
    each under its machine's folder. Any driver starts from such a set (MAME warns that the
    checksums differ) with no copyrighted content in it; files MAME knows no dump of, and
    optional ones, are left out. Returns ``dest``.

    Raises :class:`UnknownGameError` when this MAME has no such system, :class:`SetupError`
    when MAME cannot be run."""
    machines = listxml.machines(binary, system)
    for machine in machines:
        folder = Path(dest) / machine.get("name", "")
        for rom in machine.iter("rom"):
            if rom.get("status") == "nodump" or rom.get("optional") == "yes":
                continue
            path = folder / rom.get("name", "")
            size = int(rom.get("size", "0"))
            if not path.is_file() or path.stat().st_size != size:
                folder.mkdir(parents=True, exist_ok=True)
                with open(path, "wb") as f:
                    f.truncate(size)
    return os.fspath(dest)


def checksum_warning_filter(images: Mapping[str, bytes], system: str,
                            binary: str) -> Callable[[str], bool]:
    """A MAME output filter hiding the checksum warnings MAME prints for this very set
    (expected: it is not the original dump), and nothing else."""
    files = rom_files(binary, system)
    return _hiding(cut(images, files), files)


def marked_set_filter(roms_path: str | os.PathLike[str], system: str,
                      binary: str) -> Callable[[str], bool] | None:
    """The :func:`checksum_warning_filter` of the files of ``roms_path/system`` that
    :func:`lay_out` marked and that still hold what it wrote; None without a mark."""
    folder = Path(roms_path) / system
    try:
        lines = (folder / MARK).read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    ours = {}
    for line in lines:
        fields = line.split()
        if len(fields) != 3 or line.startswith("#"):
            continue
        name, crc, sha1 = fields
        try:
            data = (folder / name).read_bytes()
        except OSError:
            continue
        if digests(data) == (crc, sha1):
            ours[name] = data
    if not ours:
        return None
    return _hiding(ours, tuple(rom for rom in rom_files(binary, system) if rom.name in ours))


def _hiding(ours: Mapping[str, bytes], files: tuple[RomFile, ...]) -> Callable[[str], bool]:
    """A filter hiding the lines MAME prints about ``files`` holding ``ours`` (name ->
    bytes) instead of their original dumps."""
    hidden = {"WARNING: the machine might not run correctly."}
    for rom in files:
        crc, sha1 = digests(ours[rom.name])
        if (crc, sha1) == (rom.crc, rom.sha1):
            continue
        hidden.add(f"{rom.name} WRONG CHECKSUMS:")
        hidden.add(f"    EXPECTED: CRC({rom.crc}) SHA1({rom.sha1})")
        hidden.add(f"       FOUND: CRC({crc}) SHA1({sha1})")

    def keep(line: str) -> bool:
        return line not in hidden

    return keep
