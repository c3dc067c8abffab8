"""One game as an RL environment: ``reset()`` and ``step(action)`` over an Emulator."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..checks import check_step_limit
from ..errors import InvalidArgumentError, StateError
from ..games import Game, get_game
from ..machine.emulator import Action, Emulator, check_emulator_kwargs
from ..machine.frames import ObsSpec
from ..machine.stack import FrameStacks
from ..machine.state import State
from .ale import AleEpisode, with_preset
from .episode import Episode
from .opponent import Opponent, check_side, make_opponent


class GameEnv:
    """A game on its own MAME: actions, rewards, episode ends.

    ``step`` returns ``(obs, reward, terminated, truncated, info)`` like Gymnasium; info
    holds the memory values of the step. The observation is the frame as ``obs_type``,
    ``resize`` and ``interpolation`` make it (see :class:`~aiomame.Emulator`), or with
    ``frame_stack=k`` the last k of them, ``(k, *frame)``, oldest first (a new episode
    starts with k copies of its first frame). Each is a new array, of :attr:`obs_shape`
    fixed at start: a frame of another size (a game that switches video modes) is scaled
    into it, and the step's info then holds ``"frame_size"``, (height, width) of the
    frame as MAME drew it. Lifecycle: ``start``
    (or ``async with``) → ``reset`` → ``step``… → ``close``; stepping an episode that has
    ended raises :class:`~aiomame.errors.StateError` (reset first).
    ``max_episode_steps`` overrides the game's step limit.

    A game of two players (:attr:`Game.players`): by default agents play both, ``step``
    takes one action per player (a sequence, player 1's first) and the reward is an array
    of one per player. With ``opponent`` (see :mod:`aiomame.episodes.opponent`: ``"cpu"``,
    ``"noop"``, ``"random"``, a scripted agent's name, a callable or a checkpoint) the
    env is a one-agent env of player ``player``: ``step`` takes that player's action and
    the reward is that player's.

    ALE/EnvPool options (:mod:`aiomame.episodes.ale`): ``repeat_action_probability``
    (sticky actions), ``noop_max`` (no-op steps after a reset), ``episodic_life`` (a life
    lost ends the episode; the next reset goes on with the game), ``reward_clip`` (the
    reward's sign; the raw one in ``info["raw_reward"]``); ``preset="atari"`` sets those
    and envpool's Atari observations (keywords given override it).
    """

    def __init__(self, game: str | Game, *, roms_path: str | os.PathLike[str] | None = None,
                 frame_ratio: int | None = None, frame_stack: int | None = None,
                 max_episode_steps: int | None = None, opponent: Any = None, player: int = 1,
                 preset: str | None = None, repeat_action_probability: float | None = None,
                 noop_max: int | None = None, episodic_life: bool | None = None,
                 reward_clip: bool | None = None, **emulator_kwargs: Any) -> None:
        frame_ratio, frame_stack, max_episode_steps, ale = with_preset(
            preset, emulator_kwargs, frame_ratio, frame_stack, max_episode_steps,
            repeat_action_probability, noop_max, episodic_life, reward_clip)
        check_step_limit(max_episode_steps)
        check_emulator_kwargs("GameEnv", emulator_kwargs, GameEnv.__init__)
        self.game = get_game(game)
        self.player = player
        self.opponent: Opponent | None = None
        check_side(self.game, opponent, player)
        given = emulator_kwargs if frame_stack is None else {**emulator_kwargs,
                                                               "frame_stack": frame_stack}
        emulator_kwargs = self.game.emulator_options(given)  # with the game's defaults
        self.frame_stack = ObsSpec(frame_stack=emulator_kwargs.pop("frame_stack", 1)).frame_stack
        roms, output_filter = self.game.rom_setup(roms_path, emulator_kwargs.get("mame_binary"))
        emulator_kwargs.setdefault("output_filter", output_filter)
        ratio = self.game.frame_ratio if frame_ratio is None else frame_ratio
        self.emulator = Emulator(self.game.system, roms, self.game.memory_addresses,
                                 frame_ratio=ratio, **emulator_kwargs)
        if opponent is not None:
            self.opponent = make_opponent(
                opponent, self.game, 3 - player, env_options={
                    **self.emulator.obs_options(), "frame_stack": self.frame_stack})
        self._last: tuple[np.ndarray, dict[str, Any]] | None = None  # for the opponent
        self.opponent_action: Any = None
        """The opponent's action in the last step (what a recording of it stores)."""
        names, side = list(self.game.memory_addresses), None if self.opponent is None else player
        options = ale.for_game(self.game, names)
        self._ale = None if options is None else AleEpisode(self.game, names,
                                                            max_episode_steps, side, options)
        self.episode = self._ale if self._ale is not None \
            else Episode(self.game, names, max_episode_steps, side)
        self._started = False
        self._stack: FrameStacks | None = None
        self._size: tuple[int, int] | None = None  # the screen's (width, height) at start
        self._refill = False  # after a state load: the next frame starts the stack over

    @property
    def action_names(self) -> list[str]:
        """The agent's action names (of :attr:`player`; of player 1 when agents play
        every player)."""
        return self.game.controls(self.player).action_names()

    @property
    def players(self) -> int:
        """How many players ``step`` takes actions for (and rewards are given to)."""
        return 1 if self.opponent is not None else self.game.controlled_players

    @property
    def obs_shape(self) -> tuple[int, ...]:
        """The shape of an observation (uint8), known once started."""
        if self._stack is None:
            raise StateError("the env is not started: call start() first")
        frame = self._stack.frame_shape
        return frame if self.frame_stack == 1 else (self.frame_stack, *frame)

    async def start(self) -> GameEnv:
        await self.emulator.start()
        shape = self.emulator.frame_shape
        try:
            if shape is None:
                raise StateError(f"{self.game.system!r} has no screen to observe")
            self.game.bind_axes(self.emulator.list_actions())
        except BaseException:
            await self.close()
            raise
        self._stack = FrameStacks(1, self.frame_stack, shape)
        self._size = self.emulator.screen_size
        return self

    async def close(self) -> None:
        await self.emulator.close()

    async def __aenter__(self) -> GameEnv:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def reset(self, seed: int | None = None, *, state: State | bytes | None = None
                    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a new game, or with a saved ``state`` a new episode from there (the game
        then plants ``seed`` if given); returns its first observation and memory values."""
        if state is not None:
            state = self.emulator.check_state(state)
            seed = self.game.check_seed(seed, planted=True)
        if self._ale is None:
            data = await self.game.begin(self.emulator, seed, state)
        else:
            data = await self._ale.start(
                self.emulator, seed, state, lambda: self.game.begin(self.emulator, seed, state),
                self._last_step)
        if self.opponent is not None:  # a seeded episode: the same opponent's choices too
            self.opponent.seed(seed)
        self._refill = False
        self.episode.begin(data)
        frame = data.pop("frame")
        stack = self._stack
        assert stack is not None
        if frame.shape != stack.frame_shape:  # scaled into the observation's shape
            frame = self.emulator.observe_into(np.empty(stack.frame_shape, np.uint8))
        if self.emulator.screen_size != self._size:
            data["frame_size"] = self.emulator.display_size
        if self.frame_stack != 1:
            np.copyto(stack.next_slot(0), frame)
            stack.fill(0)
            frame = stack.stack(0).copy()
        if self.opponent is not None:
            self._last = frame, data
        return frame, data

    async def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Hold ``action`` (an action index of any integer type or the action's name,
        ``"left"``; the buttons' 0/1 vector, or with axes a vector in [-1, 1]:
        :attr:`Game.axes`) for one step; with several players, one such action per player
        (``["left", "right"]``). Raises InvalidArgumentError for a bad action
        (naming the valid ones), StateError before reset or after the episode's end."""
        episode = self.episode
        if episode.previous is None or episode.ended:
            raise StateError("call reset() before step()" if episode.previous is None else
                             f"the episode ended after {episode.steps} steps: call reset() "
                             "before step()")
        ale = self._ale
        if ale is not None:
            action = ale.sticky(action)
        inputs = self._inputs(action)
        stack = self._stack
        assert stack is not None
        if self.frame_stack == 1:
            values, obs = await self.emulator.step_into(
                inputs, out=np.empty(stack.frame_shape, np.uint8))
            assert obs is not None  # a step with a frame (step_into's default) has one
            data = dict(zip(self.game.memory_addresses, values, strict=True))
        else:
            values, _ = await self.emulator.step_into(inputs, out=stack.next_slot(0))
            data = dict(zip(self.game.memory_addresses, values, strict=True))
            if self._refill:
                stack.fill(0)
            else:
                stack.push(0)
            obs = stack.stack(0).copy()
        self._refill = False
        reward, terminated, truncated = episode.advance(data)
        info: dict[str, Any] = dict(data)
        if ale is not None and ale.clip:
            info["raw_reward"] = ale.raw_reward
        if self.emulator.screen_size != self._size:
            info["frame_size"] = self.emulator.display_size
        if self.opponent is not None:
            self._last = obs, data
        return obs, reward, terminated, truncated, info

    def _last_step(self) -> dict[str, Any]:
        """The last step again, as a first step's data (a life continued at once)."""
        assert self._stack is not None and self.episode.previous is not None
        return {**self.episode.previous,
                "frame": self.emulator.observe_into(np.empty(self._stack.frame_shape,
                                                             np.uint8))}

    def _inputs(self, action: Any) -> tuple[Action, ...]:
        """The inputs of one step: the agent's action, and the opponent's if there is one."""
        game = self.game
        if self.opponent is None:
            return game.inputs(action) if game.controlled_players == 1 \
                else game.joint_inputs(action)
        assert self._last is not None
        obs, data = self._last
        theirs = self.opponent_action = self.opponent.act(obs[None], [data])[0]
        mine = game.controls(self.player).inputs(action)
        try:
            return (*mine, *game.controls(self.opponent.player).inputs(theirs))
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"opponent {self.opponent.name!r}: {exc}") from None

    async def save_state(self) -> State:
        """The machine's whole state now, between steps (:meth:`Emulator.save_state`)."""
        return await self.emulator.save_state()

    async def load_state(self, state: State | bytes) -> dict[str, Any]:
        """Put the machine in ``state`` (:meth:`Emulator.load_state`); returns its memory
        values, which the next step's reward is computed from. The step count restarts at
        0; the next observation is the first one after the state (with ``frame_stack``,
        k copies of it: nothing from before the load)."""
        await self.emulator.load_state(state)
        self._refill = True
        data = await self.emulator.read(self.game.memory_addresses)
        self.episode.begin(data)
        if self.opponent is not None:  # it sees the last frame before the load
            self._last = (np.zeros(self.obs_shape, np.uint8) if self._last is None
                          else self._last[0]), dict(data)
        return dict(data)
