"""A game of several players as a PettingZoo ``ParallelEnv`` (``pip install
".[pettingzoo]"`` in the aiomame clone): an agent per player, all stepping together::

    from aiomame.pettingzoo import parallel_env

    env = parallel_env("duel", obs_type="grayscale", resize=(84, 84))
    observations, infos = env.reset(seed=1)
    while env.agents:
        actions = {agent: env.action_space(agent).sample() for agent in env.agents}
        observations, rewards, terminations, truncations, infos = env.step(actions)
    env.close()

The agents are ``player_1``, ``player_2``, ...; every one observes the whole screen (the
same array) and gets the step's memory values as its info. The episode ends for all at
once. It is one :class:`aiomame.sync.GameEnv` (one MAME), as :class:`aiomame.gym.MameEnv`.
:func:`aec_env` is the same game as an ``AECEnv`` (agents acting in turn).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from gymnasium import spaces

from .extras import install

try:
    from pettingzoo import AECEnv, ParallelEnv
    from pettingzoo.utils.conversions import parallel_to_aec
except ImportError as exc:  # pragma: no cover - exercised where PettingZoo is absent
    raise ImportError(f"aiomame.pettingzoo needs PettingZoo: {install('pettingzoo')}") from exc

from . import sync
from .checks import invalid_choice
from .errors import InvalidArgumentError, StateError
from .games import Game, get_game
from .gym import RENDER_MODES, _emulator_options, _render_fps, _reset_options, action_space

__all__ = ["MameParallelEnv", "aec_env", "parallel_env"]


def agent_name(player: int) -> str:
    """The PettingZoo agent of ``player`` (1 = the first): ``player_1``."""
    return f"player_{player}"


class MameParallelEnv(ParallelEnv[str, np.ndarray, Any]):
    """A game of two or more players on one MAME, an agent per player.

    ``game``: a registered game name, a definition file's path or a
    :class:`~aiomame.games.Game`. Observations: uint8 frames as ``obs_type``, ``resize``,
    ``interpolation``, ``maxpool`` and ``frame_stack`` make them (see
    :class:`aiomame.GameEnv`), the same for every agent; each agent's action space is its
    player's controls (``Discrete``, ``MultiBinary`` or ``Box``, as in
    :mod:`aiomame.gym`). ``reset(seed=..., options={"state": State})`` as
    :class:`aiomame.gym.MameEnv`'s. ``render_mode="rgb_array"``: ``render()`` is the
    screen, RGB, full size; ``"human"``: MAME's window. Other keyword arguments go to
    :class:`aiomame.GameEnv` / :class:`aiomame.Emulator`. Raises InvalidArgumentError for
    a game of one player (or one that plays against its own AI) and for ``opponent``.
    """

    # Not a ClassVar: __init__ sets the game's name and render_fps per instance.
    metadata: dict[str, Any] = {  # noqa: RUF012
        "render_modes": list(RENDER_MODES), "name": "aiomame", "is_parallelizable": True,
        "render_fps": 20.0}

    def __init__(self, game: str | Game, *, render_mode: str | None = None,
                 **kwargs: Any) -> None:
        self.render_mode = render_mode
        checked = get_game(game)
        if "opponent" in kwargs or "player" in kwargs:
            raise InvalidArgumentError(
                "the PettingZoo env has an agent per player: opponent= and player= are for "
                "the one-agent envs (aiomame.gym.MameEnv, MameVectorEnv)")
        if checked.controlled_players < 2:
            raise InvalidArgumentError(
                f"game {checked.name!r} has " + ("one player" if checked.players == 1 else
                                                 "its own AI as the other player")
                + ": a PettingZoo env needs two or more (use aiomame.gym.MameEnv)")
        self.env = sync.GameEnv(checked, **_emulator_options(render_mode, kwargs))
        self.game = checked
        self.possible_agents = [agent_name(p) for p in range(1, checked.controlled_players + 1)]
        self.agents: list[str] = []
        observation = self.env.obs_shape
        self.observation_spaces = {a: spaces.Box(0, 255, observation, np.uint8)
                                   for a in self.possible_agents}
        self.action_spaces = {a: action_space(checked.controls(p))
                              for p, a in enumerate(self.possible_agents, 1)}
        self.metadata = {**self.metadata, "name": f"aiomame_{checked.name}",
                         "render_fps": _render_fps(self.env.emulator)}
        self._obs: np.ndarray | None = None

    def observation_space(self, agent: str) -> spaces.Space[Any]:
        """The agent's observations: uint8 frames. Raises InvalidArgumentError for another
        agent, naming the valid ones."""
        return self.observation_spaces[self._check(agent)]

    def action_space(self, agent: str) -> spaces.Space[Any]:
        """The agent's player's actions. Raises InvalidArgumentError for another agent,
        naming the valid ones."""
        return self.action_spaces[self._check(agent)]

    def _check(self, agent: Any) -> str:
        if agent not in self.action_spaces:
            raise invalid_choice("agent", agent, self.possible_agents)
        return agent

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        """A new game (seeded, if the game takes seeds), or with ``options={"state":
        State}`` an episode from a saved state; other options are ignored with a
        warning (PettingZoo's API test gives one)."""
        options = dict(options or {})
        for key in [k for k in options if k != "state"]:
            warnings.warn(f"reset option {key!r} ignored; valid: 'state'", stacklevel=2)
            del options[key]
        obs, info = self.env.reset(seed, state=_reset_options(options))
        self.agents = list(self.possible_agents)
        self._obs = obs
        return dict.fromkeys(self.agents, obs), {a: dict(info) for a in self.agents}

    def step(self, actions: dict[str, Any]) -> tuple[
            dict[str, np.ndarray], dict[str, float], dict[str, bool], dict[str, bool],
            dict[str, dict[str, Any]]]:
        """Every agent's action at once (a dict with an action for each of
        :attr:`agents`). Raises InvalidArgumentError for an unknown or missing agent
        (naming the valid ones) or a bad action (naming the player), StateError before
        :meth:`reset` or after the episode's end."""
        if not self.agents:
            raise StateError("call reset() before step()" if self._obs is None else
                             "the episode ended: call reset() before step()")
        if not isinstance(actions, dict):
            raise InvalidArgumentError(f"actions must be a dict of agent -> action, got "
                                       f"{actions!r}")
        unknown = [a for a in actions if a not in self.action_spaces]
        missing = [a for a in self.agents if a not in actions]
        if unknown or missing:
            raise InvalidArgumentError(
                ("unknown agent " + ", ".join(map(repr, unknown)) if unknown else
                 "no action for " + ", ".join(map(repr, missing)))
                + f"; give one action for each of {', '.join(map(repr, self.agents))}")
        obs, rewards, terminated, truncated, info = self.env.step(
            [actions[a] for a in self.agents])
        self._obs = obs
        agents = self.agents
        if terminated or truncated:
            self.agents = []
        return (dict.fromkeys(agents, obs),
                {a: float(r) for a, r in zip(agents, np.asarray(rewards), strict=True)},
                dict.fromkeys(agents, terminated), dict.fromkeys(agents, truncated),
                {a: dict(info) for a in agents})

    def render(self) -> np.ndarray | None:
        """The screen, RGB, full size, with ``render_mode="rgb_array"``; else None."""
        if self.render_mode == "rgb_array":
            return self.env.screen()
        return None

    def state(self) -> np.ndarray:
        """The global state: the last observation (every agent sees the whole screen).
        Raises StateError before :meth:`reset`."""
        if self._obs is None:
            raise StateError("call reset() before state()")
        return self._obs

    def close(self) -> None:
        """Stop MAME; safe to call more than once."""
        env = self.__dict__.get("env")
        if env is not None:
            env.close()


def parallel_env(game: str | Game, **options: Any) -> MameParallelEnv:
    """:class:`MameParallelEnv` of ``game`` (PettingZoo's constructor name)."""
    return MameParallelEnv(game, **options)


def aec_env(game: str | Game, **options: Any) -> AECEnv[str, np.ndarray, Any]:
    """:func:`parallel_env` as a PettingZoo ``AECEnv`` (the agents act in turn, and the
    game steps once all have acted: PettingZoo's ``parallel_to_aec``)."""
    return parallel_to_aec(parallel_env(game, **options))
