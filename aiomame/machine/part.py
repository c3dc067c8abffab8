"""What the parts of :class:`~aiomame.machine.emulator.Emulator` (its memory, inputs and
states) use of the emulator they are part of."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..transport.process import MameProcess


class EmulatorPart:
    """Base of :class:`~aiomame.machine.memory.MemoryAccess`,
    :class:`~aiomame.machine.inputs.InputAccess` and
    :class:`~aiomame.machine.state.StateAccess`: declares, for type checkers, what
    :class:`~aiomame.machine.emulator.Emulator` gives them."""

    game: str
    _process: MameProcess

    if TYPE_CHECKING:
        @property
        def info(self) -> dict[str, Any]: ...

        async def _command(self, *args: Any,
                           call: Callable[..., Awaitable[Any]] | None = None) -> Any: ...
