"""MAME's software lists: the cartridges, disks and tapes a system's lists name
(``hash/LIST.xml`` in MAME's ``hashpath``), read once per file.

A list item runs as ``mame SYSTEM ITEM``, its ROM files in ``ROMPATH/LIST/ITEM/`` (or
``LIST/ITEM.zip``): MAME picks the list and the slot (by the part's interface).
"""

from __future__ import annotations

import difflib
import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..errors import InvalidArgumentError, SetupError, UnknownSoftwareError
from . import listxml


@dataclass(frozen=True)
class SoftwarePart:
    """One part of an item (a cartridge, one disk of several): the slot interface it fits
    and its ROM files, ``(file name, size in bytes)``."""

    name: str
    interface: str
    files: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Software:
    """One item of a software list, as its ``hash/LIST.xml`` describes it."""

    name: str
    list: str
    description: str
    year: str
    publisher: str
    parts: tuple[SoftwarePart, ...]


@dataclass(frozen=True)
class SoftwareList:
    """A software list a system takes (``status``: "original" or "compatible")."""

    name: str
    status: str


def system_lists(binary: str, system: str) -> tuple[SoftwareList, ...]:
    """The software lists of ``system`` on this MAME (``mame -listxml``), in its order."""
    return tuple(SoftwareList(e.get("name", ""), e.get("status", ""))
                 for e in listxml.machine(binary, system).findall("softwarelist"))


def list_file(hash_path: str, name: str) -> Path | None:
    """``LIST.xml`` for list ``name`` in the first folder of ``hash_path`` (';'-separated)
    that has it, or None."""
    for folder in filter(None, hash_path.split(";")):
        path = Path(folder) / f"{name}.xml"
        if path.is_file():
            return path
    return None


def read_list(path: str | os.PathLike[str]) -> dict[str, Software]:
    """The items of the software list file at ``path``, by name (read once per file
    version). Raises SetupError for a file that is not a software list."""
    stat = os.stat(path)
    return _read_list(os.path.realpath(path), stat.st_size, stat.st_mtime_ns)


@cache
def _read_list(path: str, size: int, mtime_ns: int) -> dict[str, Software]:
    items: dict[str, Software] = {}
    name = Path(path).stem
    try:
        for event, element in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                if element.tag == "softwarelist":
                    name = element.get("name", name)
            elif element.tag == "software":
                items[element.get("name", "")] = _software(element, name)
                element.clear()
    except ET.ParseError as exc:
        raise SetupError(f"{path} is not a software list: {exc}") from exc
    return items


def _software(element: ET.Element, list_name: str) -> Software:
    parts = []
    for part in element.iter("part"):
        files: dict[str, int] = {}
        for rom in part.iter("rom"):
            file, size = rom.get("name"), rom.get("size")
            if file and size:
                files[file] = max(files.get(file, 0), _number(size))
        parts.append(SoftwarePart(part.get("name", ""), part.get("interface", ""),
                                  tuple(files.items())))
    return Software(element.get("name", ""), list_name, element.findtext("description", ""),
                    element.findtext("year", ""), element.findtext("publisher", ""),
                    tuple(parts))


def _number(text: str) -> int:
    return int(text, 16) if text.lower().startswith("0x") else int(text)


def items(binary: str, system: str, hash_path: str) -> dict[str, list[Software]]:
    """Every item the software lists of ``system`` hold, by list name (a list missing from
    ``hash_path`` has none)."""
    found = {}
    for entry in system_lists(binary, system):
        path = list_file(hash_path, entry.name)
        found[entry.name] = list(read_list(path).values()) if path else []
    return found


def find(binary: str, system: str, software: str, hash_path: str,
         interfaces: Sequence[str]) -> Software:
    """The item ``software`` (``ITEM`` or ``LIST:ITEM``) of one of ``system``'s lists that a
    slot of ``interfaces`` (the system's slot interfaces) takes.

    Raises UnknownSoftwareError (with similar names) for an item none of its lists holds,
    or one no slot takes; InvalidArgumentError for a malformed name.
    """
    if not isinstance(software, str) or not software or software.count(":") > 1:
        raise InvalidArgumentError(f"software must be a software-list item, 'ITEM' or "
                                   f"'LIST:ITEM' (like 'breakout' or 'a2600:breakout'), got "
                                   f"{software!r}")
    wanted_list, _, name = software.rpartition(":")
    by_list = items(binary, system, hash_path)
    if not by_list:
        raise UnknownSoftwareError(f"{system!r} has no software lists, so no item "
                                   f"{software!r}", software, [])
    if wanted_list and wanted_list not in by_list:
        raise UnknownSoftwareError(f"{system!r} has no software list {wanted_list!r}; its "
                                   f"lists: {', '.join(by_list)}", software, list(by_list))
    searched = [wanted_list] if wanted_list else list(by_list)
    matches = [item for list_name in searched for item in by_list[list_name]
               if item.name == name]
    if not matches:
        missing = [n for n in searched if list_file(hash_path, n) is None]
        where = f" (not found in hashpath {hash_path!r}: {', '.join(missing)})" if missing else ""
        names = [item.name for n in searched for item in by_list[n]]
        raise UnknownSoftwareError(
            f"no item {name!r} in the software lists of {system!r}: "
            f"{', '.join(searched)}{where}", software, searched,
            difflib.get_close_matches(name, names, n=5, cutoff=0.6))
    slots = {i for entry in interfaces for i in entry.split(",")}
    for item in matches:
        if any(part.interface in slots for part in item.parts):
            return item
    item = matches[0]
    parts = ", ".join(f"{p.name} ({p.interface})" for p in item.parts)
    raise UnknownSoftwareError(
        f"{item.list}:{item.name} has no part that a slot of {system!r} takes (its parts: "
        f"{parts}; the slots' interfaces: {', '.join(sorted(slots)) or '(none)'})",
        software, [item.list])
