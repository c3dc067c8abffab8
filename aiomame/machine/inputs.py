"""Inputs: :class:`Action` (an input field held for a step), the ``settings`` check, and an
:class:`~aiomame.machine.emulator.Emulator`'s inputs (:class:`InputAccess`): listing them,
resolving an action to the plugin's field ids, and making DIP switch and configuration
settings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..checks import invalid_choice, is_int
from ..errors import InvalidArgumentError, StateError, UnknownInputError
from .analog import analog_entry, check_value
from .part import EmulatorPart

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Action:
    """An input field held down for one step: ``Action(":IN1", "Coin 1")``; on an analog
    field, ``value`` is its position for the step (:mod:`aiomame.machine.analog`)."""

    port: str
    field: str
    value: int = 1


def check_settings(settings: object) -> dict[str, str | int]:
    """``settings`` as a dict of "PORT/FIELD" -> a setting's name or value (None: none).
    Raises InvalidArgumentError for another mapping, key or value."""
    if settings is None:
        return {}
    if not isinstance(settings, Mapping):
        raise InvalidArgumentError(f"settings must be a mapping of 'PORT/FIELD' to a setting's "
                                   f"name or value, like {{':CAB/Cabinet': 'Cocktail'}}, got "
                                   f"{settings!r}")
    for key, value in settings.items():
        port, slash, field = key.partition("/") if isinstance(key, str) else ("", "", "")
        if not (port and slash and field):
            raise InvalidArgumentError(f"settings: a key is 'PORT/FIELD' like ':CAB/Cabinet', "
                                       f"got {key!r}")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise InvalidArgumentError(f"settings[{key!r}] must be a setting's name (str) or "
                                       f"value (int), got {value!r}")
    return dict(settings)


class InputAccess(EmulatorPart):
    """The part of :class:`~aiomame.machine.emulator.Emulator` that knows the machine's
    inputs and settings."""

    _field_ids: dict[Action, list[int]]

    async def _apply_setting(self, key: str, wanted: str | int) -> None:
        """Set the DIP switch or configuration field ``key`` ("PORT/FIELD") to ``wanted``,
        a setting's name or value. Raises UnknownInputError, InvalidArgumentError (not a
        setting, or no such value: naming the valid ones)."""
        port, _, field = key.partition("/")
        field_id = self._field_id(Action(port, field))[0]
        choices = (await self._process.request("setting", field_id))[2]
        if not choices:
            raise InvalidArgumentError(
                f"settings[{key!r}]: {key!r} is an input, not a DIP switch or configuration "
                "setting (hold it in an action instead)")
        for value, name in choices:
            if wanted in (value, name) and not isinstance(wanted, bool):
                await self._process.request("setting", field_id, value)
                return
        raise InvalidArgumentError(
            f"settings[{key!r}]: unknown setting {wanted!r}; valid: "
            + ", ".join(f"{name!r} ({value})" for value, name in choices))

    def list_actions(self) -> list[dict[str, Any]]:
        """Every input as ``{"port": ..., "field": ...}`` (MAMEToolkit's list_actions); an
        analog one (paddle, dial, trackball, pedal, stick, light gun) also has
        ``"analog": True``, the ``"min"``..``"max"`` values an :class:`Action` may give it,
        its ``"default"`` and ``"kind"`` (``"PADDLE"``, ``"DIAL"``, ``"TRACKBALL_X"``...;
        see :mod:`aiomame.machine.analog`)."""
        return [{"port": p["tag"], "field": f["name"], **analog_entry(f)} if f.get("analog")
                else {"port": p["tag"], "field": f["name"]}
                for p in self._ports() for f in p["fields"]]

    def _ports(self) -> list[dict[str, Any]]:
        if not self.info:
            raise StateError("the emulator is not started: call start() first")
        return self.info["ports"]

    def _inputs(self, actions: Iterable[Action]) -> list[list[int]]:
        inputs = []
        try:
            for action in actions:
                ids = self._field_ids.get(action)
                if ids is None:
                    ids = self._field_ids[action] = self._field_id(action)
                inputs.append(ids)
        except TypeError:  # not iterable, or an unhashable item
            raise InvalidArgumentError(f"actions must be an iterable of Action(port, field), "
                                       f"got {actions!r}") from None
        return inputs

    def _field_id(self, action: Any) -> list[int]:
        if not isinstance(action, Action):
            raise InvalidArgumentError(f"actions must be Action(port, field), got {action!r}")
        ports = {p["tag"]: p for p in self._ports()}
        if action.port not in ports:
            raise invalid_choice("input port", action.port, ports, UnknownInputError)
        fields = {f["name"]: f for f in ports[action.port]["fields"]}
        if action.field not in fields:
            raise invalid_choice(f"input field of port {action.port!r}", action.field, fields,
                                 UnknownInputError)
        if not is_int(action.value):
            raise InvalidArgumentError(f"Action value must be an int, got {action.value!r}")
        field = fields[action.field]
        if field.get("analog"):
            check_value(action.port, action.field, field, int(action.value))
        return [field["id"], int(action.value)]
