"""aiomame: drive MAME arcade games from asyncio, for reinforcement learning."""

from .analog import Axis
from .emulator import Action, Address, Emulator
from .env import GameEnv
from .errors import AiomameError
from .pool import Batch, EnvPool
from .runner import run
from .state import State

__all__ = ["Action", "Address", "AiomameError", "Axis", "Batch", "Emulator", "EnvPool", "GameEnv",
           "State", "run"]
__version__ = "0.1.0"
