"""aiomame: drive MAME arcade games from asyncio, for reinforcement learning."""

from .emulator import Action, Address, Emulator
from .errors import AiomameError

__all__ = ["Action", "Address", "AiomameError", "Emulator"]
__version__ = "0.1.0"
