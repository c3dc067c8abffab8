"""aiomame: drive MAME arcade games from asyncio, for reinforcement learning."""

from .episodes.env import GameEnv
from .errors import AiomameError
from .games.ids import register_with_gymnasium
from .machine.analog import Axis
from .machine.emulator import Action, Address, Emulator
from .machine.state import State
from .pools.pool import Batch, EnvPool
from .runner import run

__all__ = ["Action", "Address", "AiomameError", "Axis", "Batch", "Emulator", "EnvPool", "GameEnv",
           "State", "run"]
__version__ = "0.1.0"

register_with_gymnasium()  # aiomame/<Name>-v0 for gymnasium.make, if Gymnasium is installed
