"""aiomame: drive MAME arcade games from asyncio, for reinforcement learning."""

from .emulator import Action, Address, Emulator
from .env import GameEnv
from .errors import AiomameError
from .runner import run

__all__ = ["Action", "Address", "AiomameError", "Emulator", "GameEnv", "run"]
__version__ = "0.1.0"
