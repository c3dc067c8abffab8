"""A system's media slots (cartridge, floppy, cassette... : MAME's image devices) and the
files given for them, checked before MAME starts.

A slot has an instance name and a brief name (``cartridge``/``cart``, ``floppydisk1``/
``flop1``), which are MAME's options (``-cart FILE``); ``mame -listxml`` lists them as
``<device>`` elements with the interface of the software they take.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidArgumentError, MediaFileError, UnknownMediaSlotError
from . import listxml


@dataclass(frozen=True)
class MediaSlot:
    """One media slot of a system: its device ``tag`` (absolute, like ``:cartslot``),
    ``name`` and ``brief`` name, ``type`` (cartridge, floppydisk...), the ``interface``
    of the software it takes (comma-separated when several; "" if none) and the file
    ``extensions`` it reads."""

    tag: str
    name: str
    brief: str
    type: str
    interface: str
    extensions: tuple[str, ...]


def slots(binary: str, system: str) -> tuple[MediaSlot, ...]:
    """The media slots of ``system`` as this MAME configures it by default."""
    found = []
    for device in listxml.machine(binary, system).findall("device"):
        tag = device.get("tag", "")
        extensions = tuple(e.get("name", "") for e in device.findall("extension"))
        for instance in device.findall("instance"):
            found.append(MediaSlot(tag if tag.startswith(":") else f":{tag}",
                                   instance.get("name", ""), instance.get("briefname", ""),
                                   device.get("type", ""), device.get("interface", ""),
                                   extensions))
    return tuple(found)


def check(binary: str, system: str, media: object) -> dict[str, str]:
    """``media`` (slot name -> file path) checked: each slot one of ``system``'s (brief or
    instance name), each file an existing file. Returns brief name -> absolute path.

    Raises InvalidArgumentError (not a mapping of str to paths), UnknownMediaSlotError,
    MediaFileError.
    """
    if not isinstance(media, Mapping):
        raise InvalidArgumentError(f"media must be a mapping of slot names to file paths, "
                                   f"like {{'cart': 'game.bin'}}, got {media!r}")
    if not media:
        return {}
    known = slots(binary, system)
    by_name = {s.brief: s for s in known} | {s.name: s for s in known}
    checked: dict[str, str] = {}
    for slot, file in media.items():
        if slot not in by_name:
            raise UnknownMediaSlotError(system, slot, [s.brief for s in known])
        if not isinstance(file, (str, os.PathLike)) or not os.fspath(file):
            raise InvalidArgumentError(f"media {slot!r} must be a file path (a str or "
                                       f"os.PathLike), got {file!r}")
        path = os.path.abspath(os.fspath(file))
        if not os.path.isfile(path):
            problem = "not a file" if os.path.exists(path) else "no such file"
            raise MediaFileError(slot, os.fspath(file), problem)
        brief = by_name[slot].brief
        if brief in checked:
            first = next(name for name in media if by_name.get(name) is by_name[slot])
            raise InvalidArgumentError(
                f"media names slot {brief!r} twice: as {first!r} and {slot!r} (a game's "
                "media and the caller's merge by name: use one name)")
        checked[brief] = path
    return checked


def describe(loaded: Any, known: tuple[MediaSlot, ...]) -> list[dict[str, Any]]:
    """``info["media"]``: each slot of the running machine (``loaded``: the plugin's list,
    tag, names, loaded file and software list), with its type, interface and extensions
    from ``known`` (``mame -listxml``)."""
    by_tag = {s.tag: s for s in known}
    out = []
    for entry in loaded if isinstance(loaded, list) else []:
        if not isinstance(entry, dict):
            continue
        slot = by_tag.get(entry.get("tag", ""))
        software = entry.get("software_list")
        file = entry.get("file")
        out.append({
            "tag": entry.get("tag"), "name": entry.get("name"), "brief": entry.get("brief"),
            "type": slot.type if slot else None,
            "interface": slot.interface if slot else None,
            "extensions": list(slot.extensions) if slot else [],
            "file": None if software else file,
            "software": f"{software}:{file}" if software and file else None,
        })
    return out
