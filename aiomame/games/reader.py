"""Reading a game definition file (:mod:`aiomame.games.definition`): every key checked, each
error (:class:`GameDefinitionError`) naming the file, the key path and the valid values."""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from ..checks import check_step_limit, is_int
from ..errors import InvalidArgumentError, StateFileError
from ..machine.analog import Axis
from ..machine.emulator import Action, Address
from ..machine.frames import INTERPOLATIONS, OBS_TYPES
from ..machine.inputs import check_settings
from ..machine.memory import TYPES
from ..machine.state import State
from .system import OPERATORS, Condition, SeedTarget, StartStep

TOP_KEYS = ("system", "description", "frame_ratio", "max_episode_steps", "roms", "memory",
            "actions", "buttons", "axes", "reward", "done", "start", "seed", "obs", "media",
            "software", "settings", "players", "player2")
MEMORY_KEYS = ("address", "type", "device", "space")
AXIS_KEYS = ("port", "field", "min", "max")
SEED_KEYS = (*MEMORY_KEYS, "modulo", "offset")
START_KEYS = ("state", "reset", "script")
STEP_KEYS = ("if", "reset", "inputs", "steps", "until", "max_steps")
RESET_KINDS = ("hard", "soft", "none")
DONE_KEYS = ("any", "all")
OBS_KEYS = ("obs_type", "resize", "interpolation", "maxpool", "frame_stack")
_CONDITION = re.compile(r"^\s*(\S+?)\s*(==|!=|<=|>=|<|>)\s*(\S+)\s*$")
_NAME = re.compile(r"^[A-Za-z0-9_][\w.-]*$")
_MISSING = object()


class GameDefinitionError(InvalidArgumentError):
    """A game definition file is not valid: ``path``, ``key`` (like ``memory.score.type``,
    empty for the whole file), the bad ``value`` and the ``valid`` ones (if a choice)."""

    def __init__(self, path: str | os.PathLike[str], key: str, problem: str,
                 value: Any = _MISSING, valid: tuple[Any, ...] = ()) -> None:
        where = f"{os.fspath(path)}: " + (f"{key}: " if key else "")
        text = problem if value is _MISSING else f"{problem} {value!r}"
        if valid:
            text += "; valid: " + ", ".join(repr(v) for v in valid)
        super().__init__(where + text)
        self.path = os.fspath(path)
        self.key = key
        self.value = None if value is _MISSING else value
        self.valid = valid


class Reader:
    """Reads one definition file; each check names the key path of what it checks."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path
        self.folder = Path(path).parent

    def fail(self, key: str, problem: str, value: Any = _MISSING,
             valid: tuple[Any, ...] = ()) -> NoReturn:
        raise GameDefinitionError(self.path, key, problem, value, valid)

    def read(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(SystemGame keyword arguments, class attributes)."""
        try:
            with open(self.path, "rb") as f:
                data = tomllib.load(f)
        except FileNotFoundError:
            self.fail("", "no such game definition file")
        except IsADirectoryError:
            self.fail("", "is a folder, not a game definition file")
        except tomllib.TOMLDecodeError as exc:
            self.fail("", f"not valid TOML: {exc}")
        except UnicodeDecodeError as exc:
            self.fail("", f"not UTF-8 text: {exc}")
        self.keys("", data, TOP_KEYS)
        system = self.get(data, "", "system", str, "a MAME system name, like 'invaders'")
        if not system:
            self.fail("system", "must be a MAME system name, got", system)
        description = self.get(data, "", "description", str, "text", "")
        frame_ratio = self.get(data, "", "frame_ratio", int, "an int >= 1", 3)
        if frame_ratio < 1:
            self.fail("frame_ratio", "must be an int >= 1, got", frame_ratio)
        max_steps = self.get(data, "", "max_episode_steps", int, "an int >= 1", None)
        self.check("max_episode_steps", lambda: check_step_limit(max_steps))
        memory = self.memory(data)
        names = list(memory)
        actions, buttons = self.actions(data)
        axes = self.axes(data)
        player2 = self.player2(data, names)
        options: dict[str, Any] = {
            "memory_addresses": memory, "actions": actions, "buttons": buttons, "axes": axes,
            "reward": self.reward(data, names), "done": self.done(data, names),
            "max_episode_steps": max_steps, "frame_ratio": frame_ratio,
            **self.start(data, names, system), "seed": self.seed(data),
            "obs": self.obs(data, frame_ratio), "media": self.media(data),
            "software": self.software(data), "settings": self.settings(data),
            "player2": player2}
        attributes = {
            "system": system, "description": description, "rom_images": self.roms(data),
            "memory_addresses": memory, "actions": actions or {}, "buttons": tuple(buttons or ()),
            "axes": axes or (),
            "frame_ratio": frame_ratio, "max_episode_steps": max_steps, "obs": options["obs"],
            "media": options["media"], "software": options["software"],
            "settings": options["settings"]}
        return options, attributes

    # -- generic checks ----------------------------------------------------------------------
    def keys(self, key: str, table: Mapping[str, Any], valid: tuple[str, ...]) -> None:
        for name in table:
            if name not in valid:
                self.fail(_join(key, name), "unknown key", name, valid)

    def get(self, table: Mapping[str, Any], key: str, name: str, kind: type, what: str,
            default: Any = _MISSING) -> Any:
        """``table[name]``, checked to be a ``kind`` (``what`` says which values)."""
        where = _join(key, name)
        if name not in table:
            if default is _MISSING:
                self.fail(where, f"missing: give {what}")
            return default
        value = table[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(where, f"must be {what}, got", value)
        return value

    def table(self, data: Mapping[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key.rsplit(".", 1)[-1], {})
        if not isinstance(value, dict):
            self.fail(key, "must be a table ([" + key + "] or {...}), got", value)
        return value

    def check(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()``, its InvalidArgumentError told as one of ``key``."""
        try:
            return make()
        except GameDefinitionError:
            raise
        except InvalidArgumentError as exc:
            self.fail(key, str(exc))

    # -- sections --------------------------------------------------------------------------
    def roms(self, data: Mapping[str, Any]) -> dict[str, Path]:
        images = {}
        for region, file in self.table(data, "roms").items():
            images[region] = self.file(f"roms.{region}", file, "a ROM image file")
        return images

    def settings(self, data: Mapping[str, Any]) -> dict[str, str | int]:
        return self.check("settings", lambda: check_settings(self.table(data, "settings")))

    def player2(self, data: Mapping[str, Any], names: list[str]) -> dict[str, Any] | None:
        players = self.get(data, "", "players", int, "1 or 2", 1)
        if players not in (1, 2):
            self.fail("players", "must be 1 or 2, got", players)
        if (players == 2) != ("player2" in data):
            self.fail("players" if players == 2 else "player2",
                      "a two-player game has players = 2 and a [player2] table with its "
                      "actions (or buttons and/or axes) and reward")
        if players == 1:
            return None
        table = self.table(data, "player2")
        self.keys("player2", table, ("actions", "buttons", "axes", "reward"))
        sub = _Prefixed(self, "player2")
        actions, buttons = sub.actions(table)
        axes = sub.axes(table)
        return {"actions": actions, "buttons": buttons, "axes": axes,
                "reward": sub.reward(table, names)}

    def software(self, data: Mapping[str, Any]) -> str | None:
        what = "a software-list item like 'breakout' or 'a2600:breakout'"
        item = self.get(data, "", "software", str, what, None)
        if item == "":
            self.fail("software", f"must be {what}, got", item)
        return item

    def media(self, data: Mapping[str, Any]) -> dict[str, Path]:
        return {slot: Path(os.path.abspath(self.file(f"media.{slot}", file, "a media file")))
                for slot, file in self.table(data, "media").items()}

    def file(self, key: str, value: Any, what: str) -> Path:
        if not isinstance(value, str) or not value:
            self.fail(key, f"must be {what} (a path relative to the definition), got", value)
        path = self.folder / value
        if not path.is_file():
            self.fail(key, f"{what} not found: {path} (from", value)
        return path

    def address(self, key: str, table: Any, valid: tuple[str, ...]) -> Address:
        if not isinstance(table, dict):
            self.fail(key, "must be a table like {address = 0x2008, type = 'u16'}, got", table)
        self.keys(key, table, valid)
        if "address" not in table:
            self.fail(f"{key}.address", "missing: give an int or a hex string like '0x2008'")
        address = table["address"]
        if isinstance(address, bool) or not isinstance(address, (int, str)):
            self.fail(f"{key}.address", "must be an int or a hex string like '0x2008', got",
                      address)
        kind = table.get("type", "u8")
        if kind not in TYPES:
            self.fail(f"{key}.type", "unknown memory type", kind, TYPES)
        device = self.get(table, key, "device", str, "a device tag like ':maincpu'", None)
        space = self.get(table, key, "space", str, "an address space like 'program'",
                         "program")
        return self.check(f"{key}.address", lambda: Address(address, kind, device, space))

    def memory(self, data: Mapping[str, Any]) -> dict[str, Address]:
        return {name: self.address(f"memory.{name}", table, MEMORY_KEYS)
                for name, table in self.table(data, "memory").items()}

    def input(self, key: str, value: Any) -> Action:
        if isinstance(value, str):
            port, slash, field = value.partition("/")
            if slash and port and field:
                return Action(port, field)
        elif (isinstance(value, list) and len(value) in (2, 3)
              and all(isinstance(v, str) and v for v in value[:2])):
            if len(value) == 2:
                return Action(value[0], value[1])
            if isinstance(value[2], int) and not isinstance(value[2], bool):
                return Action(value[0], value[1], value[2])
        self.fail(key, "an input is 'PORT/FIELD' (like ':IN1/Coin 1'), [PORT, FIELD], or "
                  "[PORT, FIELD, VALUE] (an analog input's position), got", value)

    def axes(self, data: Mapping[str, Any]) -> tuple[Axis, ...] | None:
        if "axes" not in data:
            return None
        value = data["axes"]
        if not isinstance(value, list) or not value:
            self.fail("axes", "must be a non-empty list of analog inputs like "
                      "[{port = ':PADDLE', field = 'Paddle'}], got", value)
        axes = []
        for i, entry in enumerate(value):
            key = f"axes[{i}]"
            if not isinstance(entry, dict):
                action = self.input(key, entry)
                entry = {"port": action.port, "field": action.field}
            self.keys(key, entry, AXIS_KEYS)
            port = self.get(entry, key, "port", str, "an input port like ':PADDLE'")
            field = self.get(entry, key, "field", str, "an input field like 'Paddle'")
            low = self.get(entry, key, "min", int, "an int", None)
            high = self.get(entry, key, "max", int, "an int", None)
            axes.append(self.check(key, functools.partial(Axis, port, field, low, high)))
        return tuple(axes)

    def inputs(self, key: str, value: Any) -> tuple[Action, ...]:
        if not isinstance(value, list):
            self.fail(key, "must be a list of inputs like [':IN1/Coin 1'], got", value)
        return tuple(self.input(f"{key}[{i}]", v) for i, v in enumerate(value))

    def actions(self, data: Mapping[str, Any]
                ) -> tuple[dict[str, tuple[Action, ...]] | None, tuple[Action, ...] | None]:
        vector = "buttons" in data or "axes" in data
        if ("actions" in data) == vector:
            self.fail("actions" if "actions" in data else "",
                      "give either [actions] (NAME = [inputs], a discrete action) or buttons "
                      "(a list of inputs, a 0/1 vector) and/or axes (analog inputs, a vector "
                      "in [-1, 1])" + (", not both" if "actions" in data else ""))
        if "axes" in data and "buttons" not in data:
            return None, None
        if "buttons" in data:
            buttons = self.inputs("buttons", data["buttons"])
            if not buttons:
                self.fail("buttons", "is empty: give at least one input")
            return None, buttons
        actions = {name: self.inputs(f"actions.{name}", held)
                   for name, held in self.table(data, "actions").items()}
        if not actions:
            self.fail("actions", "is empty: give at least one, like noop = []")
        return actions, None

    def reward(self, data: Mapping[str, Any], names: list[str]) -> dict[str, float]:
        weights = {}
        for name, weight in self.table(data, "reward").items():
            self.known(f"reward.{name}", name, names)
            if isinstance(weight, bool) or not isinstance(weight, (int, float)):
                self.fail(f"reward.{name}", "must be a number (the weight), got", weight)
            weights[name] = float(weight)
        return weights

    def known(self, key: str, name: Any, names: list[str]) -> None:
        if name not in names:
            self.fail(key, "unknown memory name", name, tuple(names))

    def condition(self, key: str, value: Any, names: list[str]) -> Condition:
        if isinstance(value, str):
            match = _CONDITION.match(value)
            try:
                if match is None:
                    raise ValueError
                name, op, number = match[1], match[2], int(match[3], 0)
            except ValueError:
                self.fail(key, "a condition is 'NAME OP VALUE' like 'lives == 0' (OP one of "
                          f"{' '.join(OPERATORS)}), got", value)
        elif isinstance(value, list) and len(value) == 3:
            name, op, number = value
        else:
            self.fail(key, "a condition is 'NAME OP VALUE' like 'lives == 0' or "
                      "[NAME, OP, VALUE], got", value)
        self.known(key, name, names)
        if op not in OPERATORS:
            self.fail(key, "unknown operator", op, tuple(OPERATORS))
        if not is_int(number):
            self.fail(key, "the value compared must be an int, got", number)
        return name, op, number

    def done(self, data: Mapping[str, Any], names: list[str]) -> dict[str, list[Condition]] | None:
        done = self.table(data, "done")
        if not done:
            return None
        self.keys("done", done, DONE_KEYS)
        if len(done) != 1:
            self.fail("done", "give either any = [...] or all = [...], not both")
        mode, conditions = next(iter(done.items()))
        if not isinstance(conditions, list) or not conditions:
            self.fail(f"done.{mode}", "must be a non-empty list of conditions like "
                      "['lives == 0'], got", conditions)
        return {mode: [self.condition(f"done.{mode}[{i}]", c, names)
                       for i, c in enumerate(conditions)]}

    def start(self, data: Mapping[str, Any], names: list[str], system: str) -> dict[str, Any]:
        start = self.table(data, "start")
        self.keys("start", start, START_KEYS)
        if "state" in start and len(start) > 1:
            self.fail("start", "give either state (a state file) or reset and script, not both")
        if "state" in start:
            path = self.file("start.state", start["state"], "a state file")
            try:
                state = State.load(path)
            except StateFileError as exc:
                self.fail("start.state", str(exc))
            if state.system != system:
                self.fail("start.state", f"is a state of system {state.system!r}, not of "
                          f"{system!r}:", start["state"])
            return {"start_state": state}
        script = start.get("script", [])
        if not isinstance(script, list):
            self.fail("start.script", "must be a list of {inputs, steps} or {inputs, until} "
                      "tables, got", script)
        reset = start.get("reset", "hard")
        if reset not in RESET_KINDS:
            self.fail("start.reset", "unknown reset", reset, RESET_KINDS)
        return {"start_reset": None if reset == "none" else reset,
                "start_script": [self.step(f"start.script[{i}]", entry, names)
                                 for i, entry in enumerate(script)]}

    def step(self, key: str, entry: Any, names: list[str]) -> StartStep:
        if not isinstance(entry, dict):
            self.fail(key, "must be a table like {inputs = [':IN1/Coin 1'], steps = 1}, got",
                      entry)
        self.keys(key, entry, STEP_KEYS)
        inputs = self.inputs(f"{key}.inputs", entry.get("inputs", []))
        steps = self.get(entry, key, "steps", int, "an int >= 1", 1)
        max_steps = self.get(entry, key, "max_steps", int, "an int >= 1", 1000)
        for name, value in (("steps", steps), ("max_steps", max_steps)):
            if value < 1:
                self.fail(f"{key}.{name}", "must be an int >= 1, got", value)
        until = None
        if "until" in entry:
            if "steps" in entry:
                self.fail(key, "give steps (a count) or until (a condition), not both")
            until = self.condition(f"{key}.until", entry["until"], names)
        elif "max_steps" in entry:
            self.fail(f"{key}.max_steps", "only goes with until")
        when = None if "if" not in entry else self.condition(f"{key}.if", entry["if"], names)
        reset = entry.get("reset")
        if reset is not None and reset not in RESET_KINDS[:2]:
            self.fail(f"{key}.reset", "unknown reset", reset, RESET_KINDS[:2])
        return StartStep(inputs, steps, until, max_steps, when, reset)

    def seed(self, data: Mapping[str, Any]) -> SeedTarget | None:
        if "seed" not in data:
            return None
        table = self.table(data, "seed")
        address = self.address("seed", table, SEED_KEYS)
        modulo = self.get(table, "seed", "modulo", int, "an int >= 1", None)
        offset = self.get(table, "seed", "offset", int, "an int", 0)
        return self.check("seed", lambda: SeedTarget(address, modulo, offset))

    def obs(self, data: Mapping[str, Any], frame_ratio: int) -> dict[str, Any]:
        obs = self.table(data, "obs")
        self.keys("obs", obs, OBS_KEYS)
        if "obs_type" in obs and obs["obs_type"] not in OBS_TYPES:
            self.fail("obs.obs_type", "unknown obs_type", obs["obs_type"], OBS_TYPES)
        if "interpolation" in obs and obs["interpolation"] not in INTERPOLATIONS:
            self.fail("obs.interpolation", "unknown interpolation", obs["interpolation"],
                      tuple(INTERPOLATIONS))
        if "resize" in obs:
            size = obs["resize"]
            if not (isinstance(size, list) and len(size) == 2
                    and all(is_int(n) and n >= 1 for n in size)):
                self.fail("obs.resize", "must be [height, width], two ints >= 1, got", size)
            obs["resize"] = (size[0], size[1])
        maxpool = self.get(obs, "obs", "maxpool", bool, "true or false", False)
        if maxpool and frame_ratio < 2:
            self.fail("obs.maxpool", "needs frame_ratio >= 2 (the step's last two frames), "
                      "got frame_ratio", frame_ratio)
        stack = self.get(obs, "obs", "frame_stack", int, "an int >= 1", 1)
        if stack < 1:
            self.fail("obs.frame_stack", "must be an int >= 1, got", stack)
        return obs


class _Prefixed(Reader):
    """A reader of a sub-table (``[player2]``): the keys it names start with ``prefix``."""

    def __init__(self, reader: Reader, prefix: str) -> None:
        super().__init__(reader.path)
        self.prefix = prefix

    def fail(self, key: str, problem: str, value: Any = _MISSING,
             valid: tuple[Any, ...] = ()) -> NoReturn:
        super().fail(_join(self.prefix, key), problem, value, valid)


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def check_name(name: str, where: str | os.PathLike[str]) -> str:
    """``name`` if it can name a registered game (and a Gymnasium id)."""
    if not _NAME.match(name):
        raise GameDefinitionError(where, "", "cannot name a game (letters, digits, _ . -):",
                                  name)
    return name
