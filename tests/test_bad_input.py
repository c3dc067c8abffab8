"""The bad-input sweep: every public argument, given a bad value, raises a typed aiomame error
whose message names the value and the valid ones (or range), before MAME starts where it can.

One table row per (API, argument, bad value). Most rows need no MAME; those that need the
running machine (inputs, addresses, states, action batches) share the session's ``emu`` and
one module-scoped GameEnv and EnvPool. ``test_every_public_argument_has_a_case`` checks that
each argument of the public API (found with ``inspect.signature``) and each CLI option with a
value has a row here (or in tests/test_cli.py's table), or is listed as taking anything.
"""

from __future__ import annotations

import argparse
import inspect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import pytest_asyncio
from test_cli import BAD as CLI_TABLE

from aiomame import Action, Address, Emulator, EnvPool, GameEnv, State, cli, games
from aiomame.errors import (
    AddressError,
    AiomameError,
    InvalidArgumentError,
    StateMismatchError,
    UnknownInputError,
)
from aiomame.games import GameDefinitionError
from aiomame.mametoolkit import emulator as mtk
from aiomame.mametoolkit import sf_environment as mtk_sf
from aiomame.tools import memsearch, video
from aiomame.tools import recording as rec
from aiomame.tools.memsearch import MemorySearch
from aiomame.tools.recording import Recording, RecordingFileError

IAE = InvalidArgumentError
FOREIGN = State("sfiii3n", "0.251", b"x")  # a state of another system
GOOD_RECORDING = Recording(game="catch", system="invaders", mame="0.251", frame_ratio=3,
                           refresh=59.54, actions=np.zeros(3, int), memory=[],
                           memory_crc=np.zeros(4, np.uint32), frame_crc=np.zeros(4, np.uint32))


@dataclass(frozen=True)
class Case:
    api: str  # a key of PUBLIC
    arg: str  # one of its parameters
    label: str  # the bad value, for the test id
    call: Callable[[Any], Any]  # gets the running object (``needs``) or None
    error: type[AiomameError]
    match: str  # searched in the message: the bad value and the valid ones
    needs: str | None = None  # "emu", "env" or "pool": a running MAME

    @property
    def id(self) -> str:
        return f"{self.api}({self.arg}={self.label})"


def q(value: object) -> str:
    """``repr(value)`` as a regex."""
    return re.escape(repr(value))


# the registered games, as listed
GAME_NAMES = "'basket', 'basket_paddle', 'catch', 'duel', 'sf3', 'sf3_2p'"


def emulator(**kw: Any) -> Emulator:
    return Emulator(kw.pop("game", "invaders"), kw.pop("roms_path", "roms"), **kw)


def pool(**kw: Any) -> EnvPool:
    return EnvPool(kw.pop("game", "catch"), kw.pop("num_envs", 2), **kw)


def search(**kw: Any) -> MemorySearch:
    return MemorySearch(kw.pop("regions", [(0x2000, 16)]), **kw)


def searched() -> MemorySearch:
    s = search()
    s.add_snapshot(bytes(16))
    return s


CASES = [
    # -- Address, Action ---------------------------------------------------------------------
    Case("Address", "address", "'2000'", lambda _: Address("2000"), AddressError,
         r"'2000' is not a hex string like '0x20C0'"),
    Case("Address", "address", "1.5", lambda _: Address(1.5), AddressError,
         r"1\.5 is neither an int nor a hex string"),
    Case("Address", "address", "-1", lambda _: Address(-1), AddressError, r"-1 is negative"),
    Case("Address", "type", "'u64'", lambda _: Address(0, "u64"), IAE,
         r"'u64'; valid: 'u8', 's8', 'u16', 's16', 'u32', 's32'"),
    Case("Address", "device", "5", lambda _: Address(0, device=5), AddressError,
         r"device must be a device tag such as ':maincpu' or None, got 5"),
    Case("Address", "space", "''", lambda _: Address(0, space=""), AddressError,
         r"space must be an address space name such as 'program', got ''"),
    Case("Action", "port", "':NOPE'", lambda e: e.step([Action(":NOPE", "Coin 1")]),
         UnknownInputError, r"':NOPE'; valid: ':CAB', ':CONTP1'.*':IN1'", "emu"),
    Case("Action", "field", "'Coin 9'", lambda e: e.step([Action(":IN1", "Coin 9")]),
         UnknownInputError, r"'Coin 9'; valid: .*'Coin 1'", "emu"),
    Case("Action", "value", "'a'", lambda e: e.step([Action(":IN1", "Coin 1", "a")]), IAE,
         r"value must be an int, got 'a'", "emu"),
    # -- Emulator ---------------------------------------------------------------------------
    Case("Emulator", "game", "None", lambda _: emulator(game=None), IAE,
         r"game must be a MAME system name \(a non-empty str\), got None"),
    Case("Emulator", "game", "''", lambda _: emulator(game=""), IAE,
         r"game must be a MAME system name \(a non-empty str\), got ''"),
    Case("Emulator", "roms_path", "None", lambda _: emulator(roms_path=None), IAE,
         r"roms_path must be a path \(a non-empty str or os.PathLike\), got None"),
    Case("Emulator", "roms_path", "5", lambda _: emulator(roms_path=5), IAE,
         r"roms_path must be a path .*got 5"),
    Case("Emulator", "memory_addresses", "list", lambda _: emulator(memory_addresses=[1]),
         AddressError, r"memory_addresses must be a mapping of names to Address, got \[1\]"),
    Case("Emulator", "memory_addresses", "str value",
         lambda _: emulator(memory_addresses={"x": "0x2000"}), AddressError,
         r"memory_addresses\['x'\] is '0x2000', not an Address"),
    Case("Emulator", "memory_addresses", "int name",
         lambda _: emulator(memory_addresses={5: Address(0)}), AddressError,
         r"memory_addresses names must be str, got 5"),
    *[Case("Emulator", "frame_ratio", repr(v), lambda _, v=v: emulator(frame_ratio=v), IAE,
           rf"frame_ratio must be an int >= 1, got {q(v)}")
      for v in (0, -3, 1.5, True, None, math.nan)],
    *[Case("Emulator", flag, "'yes'", lambda _, f=flag: emulator(**{f: "yes"}), IAE,
           rf"{flag} must be True or False, got 'yes'")
      for flag in ("render", "throttle", "sound", "debug")],
    Case("Emulator", "mame_binary", "5", lambda _: emulator(mame_binary=5), IAE,
         r"mame_binary must be a path \(a non-empty str or os.PathLike or None\), got 5"),
    Case("Emulator", "mame_binary", "'/no/such/mame'",
         lambda _: emulator(mame_binary="/no/such/mame"), AiomameError, r"'/no/such/mame'"),
    Case("Emulator", "screen", "5", lambda _: emulator(screen=5), IAE,
         r"screen must be a screen tag \(a str\) or None, got 5"),
    *[Case("Emulator", name, repr(v), lambda _, n=name, v=v: emulator(**{n: v}), IAE,
           rf"{name} must be a number of seconds > 0, got {q(v)}")
      for name in ("start_timeout", "step_timeout") for v in (0, -1, math.nan, "5")],
    Case("Emulator", "extra_args", "'-nothrottle'", lambda _: emulator(extra_args="-x"), IAE,
         r"extra_args must be a sequence of str \(MAME's arguments\), got '-x'"),
    Case("Emulator", "extra_args", "[5]", lambda _: emulator(extra_args=[5]), IAE,
         r"extra_args must be a sequence of str .*got \[5\]"),
    Case("Emulator", "output_filter", "5", lambda _: emulator(output_filter=5), IAE,
         r"output_filter must be a callable or None, got 5"),
    Case("Emulator", "obs_type", "'rgba'", lambda _: emulator(obs_type="rgba"), IAE,
         r"'rgba'; valid: 'rgb', 'grayscale', 'bgra'"),
    *[Case("Emulator", "resize", repr(v), lambda _, v=v: emulator(resize=v), IAE,
           rf"resize must be \(height, width\), two ints >= 1, or None; got {q(v)}")
      for v in (84, (0, 84), (84.5, 84), "84x84", (True, 84))],
    Case("Emulator", "interpolation", "'cubic'", lambda _: emulator(interpolation="cubic"),
         IAE, r"'cubic'; valid: 'area', 'linear', 'nearest'"),
    Case("Emulator", "maxpool", "frame_ratio=1", lambda _: emulator(maxpool=True, frame_ratio=1),
         IAE, r"needs frame_ratio >= 2, got maxpool=True, frame_ratio=1"),
    Case("Emulator", "maxpool", "'yes'", lambda _: emulator(maxpool="yes"), IAE,
         r"maxpool='yes'"),
    Case("Emulator", "media", "list", lambda _: emulator(game="a2600", media=["x.bin"]), IAE,
         r"media must be a mapping of slot names to file paths.*got \['x.bin'\]"),
    Case("Emulator", "media", "{'flop1': ...}",
         lambda _: emulator(game="a2600", media={"flop1": "x.bin"}), IAE,
         r"'a2600' has no media slot 'flop1'; its slots: 'cart'"),
    Case("Emulator", "media", "{'cart': 'nope.bin'}",
         lambda _: emulator(game="a2600", media={"cart": "nope.bin"}), IAE,
         r"media 'cart': no such file: 'nope.bin'"),
    Case("Emulator", "software", "'brakout'", lambda _: emulator(game="a2600", software="brakout"),
         IAE, r"no item 'brakout' in the software lists of 'a2600'"),
    Case("Emulator", "software", "5", lambda _: emulator(game="a2600", software=5), IAE,
         r"software must be a software-list item.*got 5"),
    Case("Emulator", "hashpath", "5", lambda _: emulator(hashpath=5), IAE,
         r"hashpath must be a path.*got 5"),
    Case("Emulator", "settings", "5", lambda _: emulator(settings=5), IAE,
         r"settings must be a mapping of 'PORT/FIELD'.*got 5"),
    Case("Emulator", "settings", "'Cabinet'", lambda _: emulator(settings={"Cabinet": 1}), IAE,
         r"a key is 'PORT/FIELD' like ':CAB/Cabinet', got 'Cabinet'"),
    Case("Emulator", "settings", "True", lambda _: emulator(settings={":CAB/Cabinet": True}),
         IAE, r"settings\[':CAB/Cabinet'\] must be a setting's name \(str\) or value \(int\), "
         r"got True"),
    Case("Emulator.step", "actions", "5", lambda e: e.step(5), IAE,
         r"actions must be an iterable of Action\(port, field\), got 5", "emu"),
    Case("Emulator.step", "actions", "str", lambda e: e.step(":IN1/Coin 1"), IAE,
         r"got the string ':IN1/Coin 1': give \[Action\(':IN1', 'Coin 1'\)\]", "emu"),
    Case("Emulator.step", "actions", "tuple", lambda e: e.step([(":IN1", "Coin 1")]), IAE,
         r"actions must be Action\(port, field\), got \(':IN1', 'Coin 1'\)", "emu"),
    Case("Emulator.step", "frame", "'x'", lambda e: e.step(frame="x"), IAE,
         r"frame must be True or False, got 'x'", "emu"),
    Case("Emulator.step_into", "actions", "5", lambda e: e.step_into(5), IAE,
         r"got 5", "emu"),
    Case("Emulator.step_into", "frame", "None", lambda e: e.step_into(frame=None), IAE,
         r"frame must be True or False, got None", "emu"),
    Case("Emulator.step_into", "out", "shape", lambda e: e.step_into(out=np.zeros((3, 3),
                                                                                  np.uint8)),
         IAE, r"out is uint8 \(3, 3\), the observation uint8 \(\d+, \d+, 3\)", "emu"),
    Case("Emulator.step_into", "out", "dtype",
         lambda e: e.step_into(out=np.zeros(e.frame_shape, np.float32)),
         IAE, r"out is float32 .*the observation uint8", "emu"),
    Case("Emulator.read", "addresses", "list", lambda e: e.read([Address(0)]), AddressError,
         r"addresses must be a mapping of names to Address, got \[Address", "emu"),
    Case("Emulator.read", "addresses", "device", lambda e: e.read({"x": Address(0, device=":a")}),
         AddressError, r"':a'; valid: ':maincpu'", "emu"),
    Case("Emulator.read", "addresses", "space", lambda e: e.read({"x": Address(0, space="data")}),
         AddressError, r"'data'; valid: 'io', 'program'", "emu"),
    Case("Emulator.read", "addresses", "0x10000", lambda e: e.read({"x": Address(0x10000)}),
         AddressError, r"0x10000 is outside :maincpu program \(0x0-0x7FFF\)", "emu"),
    Case("Emulator.read_range", "start", "-1", lambda e: e.read_range(-1, 4), AddressError,
         r"start must be an int >= 0, got -1", "emu"),
    Case("Emulator.read_range", "length", "0", lambda e: e.read_range(0, 0), IAE,
         r"length must be an int in 1\.\.16777216 \(16 MiB\), got 0", "emu"),
    Case("Emulator.read_range", "length", "past the end", lambda e: e.read_range(0x7FFF, 2),
         AddressError, r"range 0x7FFF\.\.0x8000 \(2 bytes\) is outside :maincpu program "
         r"\(0x0-0x7FFF\)", "emu"),
    Case("Emulator.read_range", "device", "':nope'", lambda e: e.read_range(0, 4, ":nope"),
         AddressError, r"':nope'; valid: ':maincpu'", "emu"),
    Case("Emulator.read_range", "space", "'data'", lambda e: e.read_range(0, 4, space="data"),
         AddressError, r"'data'; valid: 'io', 'program'", "emu"),
    Case("Emulator.write", "address", "0x2000", lambda e: e.write(0x2000, 1), AddressError,
         r"address must be an Address, got 8192", "emu"),
    Case("Emulator.write", "value", "300", lambda e: e.write(Address(0x2000), 300), IAE,
         r"value must be an int that fits u8 \(valid: 0\.\.255, or down to -128 .*got 300",
         "emu"),
    Case("Emulator.write", "value", "'x'", lambda e: e.write(Address(0x2000, "u16"), "x"), IAE,
         r"fits u16 \(valid: 0\.\.65535.*got 'x'", "emu"),
    Case("Emulator.reset", "kind", "'warm'", lambda e: e.reset("warm"), IAE,
         r"'warm'; valid: 'soft', 'hard'", "emu"),
    Case("Emulator.load_state", "state", "5", lambda e: e.load_state(5), IAE,
         r"a state must be a State or bytes, got int", "emu"),
    Case("Emulator.load_state", "state", "foreign", lambda e: e.load_state(FOREIGN),
         StateMismatchError, r"system 'sfiii3n' on MAME 0\.251; this machine is 'invaders'",
         "emu"),
    Case("Emulator.check_state", "state", "'path'", lambda e: e.check_state("x.state"), IAE,
         r"a state must be a State or bytes, got str", "emu"),
    # -- GameEnv ---------------------------------------------------------------------------
    *[Case("GameEnv", "game", repr(v), lambda _, v=v: GameEnv(v), IAE,
           rf"unknown game {q(v)}; valid: {GAME_NAMES}") for v in ("nosuch", None, 5)],
    Case("GameEnv", "game", "missing file", lambda _: GameEnv("/no/such.toml"),
         GameDefinitionError, r"/no/such\.toml: no such game definition file"),
    Case("GameEnv", "roms_path", "5", lambda _: GameEnv("catch", roms_path=5), IAE,
         r"roms_path must be a path .*or None\), got 5"),
    *[Case("GameEnv", "frame_ratio", repr(v), lambda _, v=v: GameEnv("catch", frame_ratio=v),
           IAE, rf"frame_ratio must be an int >= 1, got {q(v)}") for v in (0, 1.5, True)],
    *[Case("GameEnv", "frame_stack", repr(v), lambda _, v=v: GameEnv("catch", frame_stack=v),
           IAE, rf"frame_stack must be an int >= 1, got {q(v)}") for v in (0, -1, True)],
    *[Case("GameEnv", "max_episode_steps", repr(v),
           lambda _, v=v: GameEnv("catch", max_episode_steps=v), IAE,
           rf"max_episode_steps must be an int >= 1 or None, got {q(v)}") for v in (0, 1.5)],
    Case("GameEnv", "opponent", "'random'", lambda _: GameEnv("catch", opponent="random"), IAE,
         r"opponent 'random': game 'catch' has one player"),
    Case("GameEnv", "player", "2", lambda _: GameEnv("catch", player=2), IAE,
         r"player 2: game 'catch' has player 1 only"),
    Case("GameEnv", "emulator_kwargs", "frameskip=4", lambda _: GameEnv("catch", frameskip=4),
         IAE, r"unknown keyword argument of GameEnv 'frameskip'; valid: 'roms_path', "
              r"'frame_ratio', 'frame_stack', 'max_episode_steps', 'opponent', 'player', "
              r"'preset', .*'reward_clip', 'render', .*'maxpool'"),
    # GameEnv's own keywords (the ALE options among them), then the Emulator's
    Case("GameEnv", "emulator_kwargs", "obs_type='hsv'", lambda _: GameEnv("catch", obs_type="hsv"),
         IAE, r"'hsv'; valid: 'rgb', 'grayscale', 'bgra'"),
    *[Case("GameEnv.reset", "seed", repr(v), lambda e, v=v: e.reset(seed=v), IAE,
           rf"seed must be an int or None, got {q(v)}", "env") for v in ("abc", 1.5, True)],
    Case("GameEnv.reset", "state", "5", lambda e: e.reset(state=5), IAE,
         r"a state must be a State or bytes, got int", "env"),
    Case("GameEnv.reset", "state", "foreign", lambda e: e.reset(state=FOREIGN),
         StateMismatchError, r"'sfiii3n' on MAME 0\.251; this machine is 'invaders'", "env"),
    *[Case("GameEnv.step", "action", repr(v), lambda e, v=v: e.step(v), IAE,
           rf"action {q(v)} is not in 0\.\.2 \(noop, left, right\)", "env")
      for v in (3, -1, 1.5, None, True, [0, 1])],
    Case("GameEnv.step", "action", "'jump'", lambda e: e.step("jump"), IAE,
         r"'jump': no action of that name; valid names: noop, left, right \(or indices 0\.\.2\)",
         "env"),
    Case("GameEnv.load_state", "state", "foreign", lambda e: e.load_state(FOREIGN),
         StateMismatchError, r"'sfiii3n'.*'invaders'", "env"),
    # -- EnvPool ---------------------------------------------------------------------------
    *[Case("EnvPool", "game", repr(v), lambda _, v=v: pool(game=v), IAE,
           rf"game must be a game name, a Game or a MAME system name, got {q(v)}")
      for v in (None, 5)],
    Case("EnvPool", "game", "'nosuch'", lambda _: pool(game="nosuch"), IAE,
         rf"'nosuch' is no registered game \(those are: {GAME_NAMES}\); .*pass roms_path"),
    *[Case("EnvPool", "num_envs", repr(v), lambda _, v=v: pool(num_envs=v), IAE,
           rf"num_envs must be an int >= 1, got {q(v)}") for v in (0, 1.5, True, "2")],
    *[Case("EnvPool", "batch_size", repr(v), lambda _, v=v: pool(batch_size=v), IAE,
           rf"batch_size must be an int in 1\.\.num_envs \(2\), got {q(v)}")
      for v in (0, 3, True, 1.0)],
    Case("EnvPool", "roms_path", "5", lambda _: pool(roms_path=5), IAE,
         r"roms_path must be a path .*got 5"),
    Case("EnvPool", "memory_addresses", "with a game",
         lambda _: pool(memory_addresses={"x": Address(0)}), IAE,
         r"memory_addresses come from the game definition"),
    Case("EnvPool", "memory_addresses", "list",
         lambda _: pool(game="invaders", roms_path="roms", memory_addresses=[1]), AddressError,
         r"memory_addresses must be a mapping of names to Address, got \[1\]"),
    *[Case("EnvPool", "frame_ratio", repr(v), lambda _, v=v: pool(frame_ratio=v), IAE,
           rf"frame_ratio must be an int >= 1, got {q(v)}") for v in (0, 1.5)],
    Case("EnvPool", "max_episode_steps", "-1", lambda _: pool(max_episode_steps=-1), IAE,
         r"max_episode_steps must be an int >= 1 or None, got -1"),
    *[Case("EnvPool", "autoreset_mode", repr(v), lambda _, v=v: pool(autoreset_mode=v), IAE,
           rf"unknown autoreset_mode {q(v)}; valid: 'same-step', 'next-step'")
      for v in ("foo", None)],
    Case("EnvPool", "frames", "'no'", lambda _: pool(frames="no"), IAE,
         r"frames must be True or False, got 'no'"),
    Case("EnvPool", "frame_stack", "0", lambda _: pool(frame_stack=0), IAE,
         r"frame_stack must be an int >= 1, got 0"),
    Case("EnvPool", "copy", "'yes'", lambda _: pool(copy="yes"), IAE,
         r"copy must be True or False, got 'yes'"),
    *[Case("EnvPool", "start_concurrency", repr(v), lambda _, v=v: pool(start_concurrency=v),
           IAE, rf"start_concurrency must be an int >= 1, got {q(v)}") for v in (0, 1.5, True)],
    *[Case("EnvPool", "restart_limit", repr(v), lambda _, v=v: pool(restart_limit=v), IAE,
           rf"restart_limit must be an int >= 0, got {q(v)}") for v in (-1, "3", True)],
    Case("EnvPool", "opponent", "'random'", lambda _: pool(opponent="random"), IAE,
         r"EnvPool's opponent is None .* or 'cpu' .*got 'random'"),
    Case("EnvPool", "opponent", "'cpu'", lambda _: pool(opponent="cpu"), IAE,
         r"game 'catch' has no computer opponent of its own \(it has one player\)"),
    Case("GameEnv", "preset", "'nes'", lambda _: GameEnv("catch", preset="nes"), IAE,
         r"unknown preset 'nes'; valid: None, 'atari'"),
    *[Case("GameEnv", "repeat_action_probability", repr(v),
           lambda _, v=v: GameEnv("catch", repeat_action_probability=v), IAE,
           rf"repeat_action_probability must be a number in \[0, 1\] .*got {q(v)}")
      for v in (1.5, -0.1, "0.25")],
    *[Case("GameEnv", "noop_max", repr(v), lambda _, v=v: GameEnv("catch", noop_max=v), IAE,
           rf"noop_max must be an int >= 0 .*got {q(v)}") for v in (-1, 2.5, True)],
    Case("GameEnv", "episodic_life", "'yes'", lambda _: GameEnv("catch", episodic_life="yes"),
         IAE, r"episodic_life must be True or False, got 'yes'"),
    Case("GameEnv", "episodic_life", "True (duel)",
         lambda _: GameEnv("duel", episodic_life=True),
         IAE, r"episodic_life needs a game with a memory value named 'lives' \(as 'basket', "
              r"'basket_paddle', 'catch'.*game 'duel' has none"),
    Case("GameEnv", "reward_clip", "2", lambda _: GameEnv("catch", reward_clip=2), IAE,
         r"reward_clip must be True or False, got 2"),
    Case("EnvPool", "preset", "'nes'", lambda _: pool(preset="nes"), IAE,
         r"unknown preset 'nes'; valid: None, 'atari'"),
    *[Case("EnvPool", "repeat_action_probability", repr(v),
           lambda _, v=v: pool(repeat_action_probability=v), IAE,
           rf"repeat_action_probability must be a number in \[0, 1\] .*got {q(v)}")
      for v in (1.5, -0.1, "0.25")],
    *[Case("EnvPool", "noop_max", repr(v), lambda _, v=v: pool(noop_max=v), IAE,
           rf"noop_max must be an int >= 0 .*got {q(v)}") for v in (-1, 2.5, True)],
    Case("EnvPool", "episodic_life", "'yes'", lambda _: pool(episodic_life="yes"),
         IAE, r"episodic_life must be True or False, got 'yes'"),
    Case("EnvPool", "episodic_life", "True (duel)",
         lambda _: pool(game="duel", episodic_life=True),
         IAE, r"episodic_life needs a game with a memory value named 'lives' \(as 'basket', "
              r"'basket_paddle', 'catch'.*game 'duel' has none"),
    Case("EnvPool", "reward_clip", "2", lambda _: pool(reward_clip=2), IAE,
         r"reward_clip must be True or False, got 2"),
    Case("EnvPool", "restarter", "5", lambda _: pool(restarter=5), IAE,
         r"restarter must be a Restarter or None, got 5"),
    Case("EnvPool", "emulator_kwargs", "foo=1", lambda _: pool(foo=1), IAE,
         r"unknown keyword argument of EnvPool 'foo'; valid: 'num_envs', 'batch_size', "
         r"'roms_path', .*'frame_stack', .*'restart_limit', .*'render', .*'maxpool'"),
    Case("EnvPool", "emulator_kwargs", "step_timeout=-1", lambda _: pool(step_timeout=-1), IAE,
         r"step_timeout must be a number of seconds > 0, got -1"),
    *[Case(f"EnvPool.{m}", "actions", label, lambda p, m=m, a=a: getattr(p, m)(a), IAE, match,
           "pool") for m in ("send", "step") for label, a, match in [
        ("(3,)", [0, 0, 0], r"actions has shape \(3,\); expected \(2,\).*0\.\.2 "
                            r"\(noop, left, right\)"),
        ("(2, 1)", [[0], [0]], r"actions has shape \(2, 1\); expected \(2,\)"),
        ("float", np.array([0.0, 1.0]), r"actions must be ints \(action indices\) or action "
                                        r"names, got array\(\[0\., 1\.\]\) \(dtype float64\)"),
        ("name", ["left", "jump"], r"actions\[1\] is 'jump': no action of that name; valid "
                                   r"names: noop, left, right \(or indices 0\.\.2\)"),
        ("bool", np.array([True, False]), r"\(dtype bool\)"),
        ("3", [0, 3], r"actions\[1\] \(env 1\) is 3: not an action of 'catch'; valid: "
                      r"0\.\.2 \(noop, left, right\)"),
        ("None", None, r"actions has shape \(\); expected \(2,\)")]],
    *[Case(f"EnvPool.{m}", "env_ids", label, lambda p, m=m, i=i: getattr(p, m)([0], i), IAE,
           match, "pool") for m in ("send", "step") for label, i, match in [
        ("[5]", [5], r"env id 5 is not in the pool: valid env ids are 0\.\.1"),
        ("[0.5]", [0.5], r"env_ids must be a 1-D sequence of ints, got \[0\.5\]")]],
    *[Case(f"EnvPool.{m}", "env_ids", label, lambda p, m=m, i=i: getattr(p, m)(None, i), IAE,
           match, "pool") for m in ("reset", "async_reset") for label, i, match in [
        ("[-1]", [-1], r"env id -1 is not in the pool: valid env ids are 0\.\.1"),
        ("[0, 0]", [0, 0], r"env_ids lists env\(s\) \[0\] more than once"),
        ("[[0]]", [[0]], r"1-D sequence of ints, got \[\[0\]\]"),
        ("0", 0, r"1-D sequence of ints, got 0"),
        ("[True]", [True], r"1-D sequence of ints, got \[True\]")]],
    *[Case(f"EnvPool.{m}", "seed", repr(v), lambda p, m=m, v=v: getattr(p, m)(v), IAE,
           rf"seed must be None, an int or one per env in env_ids \(2\), got {q(v)}", "pool")
      for m in ("reset", "async_reset") for v in ("abc", 1.5, True, [1])],
    Case("EnvPool.reset", "seed", "['a', 'b']", lambda p: p.reset(["a", "b"]), IAE,
         r"seed must be an int or None, got 'a'", "pool"),
    *[Case(f"EnvPool.{m}", "state", label, lambda p, m=m, s=s: getattr(p, m)(state=s), error,
           match, "pool") for m in ("reset", "async_reset") for label, s, error, match in [
        ("5", 5, IAE, r"a state must be a State or bytes, got int"),
        ("foreign", FOREIGN, StateMismatchError, r"'sfiii3n'.*'invaders'")]],
    Case("EnvPool.load_state", "state", "foreign", lambda p: p.load_state(FOREIGN),
         StateMismatchError, r"'sfiii3n' on MAME 0\.251; this machine is 'invaders'", "pool"),
    Case("EnvPool.load_state", "env_ids", "[9]", lambda p: p.load_state(FOREIGN, [9]), IAE,
         r"env id 9 is not in the pool: valid env ids are 0\.\.1", "pool"),
    *[Case("EnvPool.recv", "batch_size", repr(v), lambda p, v=v: p.recv(v), IAE,
           rf"batch_size must be an int in 1\.\.num_envs \(2\), got {q(v)}", "pool")
      for v in (0, 3, 1.5)],
    Case("EnvPool.wait", "env_ids", "[5]", lambda p: p.wait([5]), IAE,
         r"env id 5 is not in the pool: valid env ids are 0\.\.1", "pool"),
    *[Case("EnvPool.collect", "steps", repr(v), lambda p, v=v: p.collect(list, v), IAE,
           rf"steps must be an int >= 0, got {q(v)}", "pool") for v in (-1, 1.5)],
    Case("EnvPool.collect", "policy", "5", lambda p: p.collect(5, 1), IAE,
         r"policy must be a callable \(batch -> actions\), got 5", "pool"),
    Case("EnvPool.watch", "port", "-1", lambda p: p.watch(port=-1), IAE,
         r"port must be an int in 0..65535 \(0: any free port\), got -1", "pool"),
    Case("EnvPool.watch", "host", "''", lambda p: p.watch(host=""), IAE,
         r"host must be a host name or address, got ''", "pool"),
    Case("EnvPool.watch", "fps", "0", lambda p: p.watch(fps=0), IAE,
         r"fps must be a number in \(0, 60\], got 0", "pool"),
    Case("EnvPool.track_returns", "on", "'yes'", lambda p: p.track_returns("yes"), IAE,
         r"on must be True or False, got 'yes'", "pool"),
    # -- State -----------------------------------------------------------------------------
    Case("State", "system", "None", lambda _: State(None, "0.251", b""), IAE,
         r"State system must be a non-empty str, got None"),
    Case("State", "mame", "''", lambda _: State("invaders", "", b""), IAE,
         r"State mame must be a non-empty str, got ''"),
    Case("State", "data", "str", lambda _: State("invaders", "0.251", "abc"), IAE,
         r"State data must be bytes, got str"),
    Case("State.load", "path", "None", lambda _: State.load(None), IAE,
         r"path must be a path \(a non-empty str or os.PathLike\), got None"),
    Case("State.load", "path", "missing", lambda _: State.load("/no/such.state"), IAE,
         r"cannot read state file '/no/such\.state': No such file or directory"),
    Case("State.save", "path", "5", lambda _: FOREIGN.save(5), IAE, r"path must be a path.*5"),
    # -- games -----------------------------------------------------------------------------
    Case("get_game", "name", "'nope'", lambda _: games.get_game("nope"), IAE,
         rf"unknown game 'nope'; valid: {GAME_NAMES} \(or the path of a definition file"),
    Case("load_game", "path", "5", lambda _: games.load_game(5), IAE,
         r"path must be a path .*got 5"),
    Case("load_game", "path", "missing", lambda _: games.load_game("/no/x.toml"),
         GameDefinitionError, r"/no/x\.toml: no such game definition file"),
    Case("register_folder", "path", "missing", lambda _: games.register_folder("/no/such"),
         IAE, r"'/no/such' is not a folder of game definitions"),
    Case("register_folder", "replace", "'x'", lambda _: games.register_folder(".", replace="x"),
         IAE, r"replace must be True or False, got 'x'"),
    # -- recording -------------------------------------------------------------------------
    Case("Recorder", "env", "5", lambda _: rec.Recorder(5), IAE,
         r"env must be a GameEnv, got 5"),
    Case("Recorder", "game", "5", lambda e: rec.Recorder(e, 5), IAE,
         r"game must be a str .*or None, got 5", "env"),
    Case("Recording.load", "path", "None", lambda _: Recording.load(None), IAE,
         r"path must be a path.*got None"),
    Case("Recording.load", "path", "missing", lambda _: Recording.load("/no/such.aiorec"),
         RecordingFileError, r"cannot read recording '/no/such\.aiorec': No such file"),
    Case("Recording.from_bytes", "blob", "str", lambda _: Recording.from_bytes("x"),
         RecordingFileError, r"a recording is bytes, got str"),
    Case("Recording.from_bytes", "blob", "garbage", lambda _: Recording.from_bytes(b"xx"),
         RecordingFileError, r"'<bytes>' is not an aiomame recording \(it does not start with"),
    Case("Recording.save", "path", "None", lambda _: GOOD_RECORDING.save(None), IAE,
         r"path must be a path.*got None"),
    *[Case(name, "recording", "5", lambda _, f=f: f(5), IAE,
           r"recording \(a Recording or its file\) must be a path.*got 5")
      for name, f in [("replay", rec.replay), ("verify", rec.verify)]],
    Case("replay_env", "recording", "'x.aiorec'", lambda _: rec.replay_env("x.aiorec"), IAE,
         r"recording must be a Recording, got 'x\.aiorec'"),
    Case("replay_env", "options", "foo=1", lambda _: rec.replay_env(GOOD_RECORDING, foo=1), IAE,
         r"unknown keyword argument of GameEnv 'foo'"),
    *[Case(name, "env", "5", lambda _, f=f: f(GOOD_RECORDING, 5), IAE,
           r"env must be a started GameEnv or None, got 5")
      for name, f in [("replay", rec.replay), ("verify", rec.verify)]],
    Case("replay", "strict", "'yes'", lambda _: rec.replay(GOOD_RECORDING, strict="yes"), IAE,
         r"strict must be True or False, got 'yes'"),
    *[Case(name, "options", "foo=1", lambda _, f=f: f(GOOD_RECORDING, foo=1), IAE,
           r"unknown keyword argument of GameEnv 'foo'; valid: 'roms_path', .*'render'")
      for name, f in [("replay", rec.replay), ("verify", rec.verify)]],
    # -- video -----------------------------------------------------------------------------
    Case("open_video", "path", "'x.avi'", lambda _: video.open_video("x.avi", 30), IAE,
         r"'x\.avi': a video file name ends in \.gif or \.mp4"),
    Case("open_video", "path", "None", lambda _: video.open_video(None, 30), IAE,
         r"path must be a path.*got None"),
    *[Case("open_video", "fps", repr(v), lambda _, v=v: video.open_video("x.gif", v), IAE,
           rf"fps must be > 0, got {q(v)}") for v in (0, math.nan, "30")],
    *[Case("open_video", "scale", repr(v), lambda _, v=v: video.open_video("x.gif", 30, v),
           IAE, rf"scale must be an int >= 1, got {q(v)}") for v in (0, 1.5)],
    *[Case(cls.__name__, arg, label, lambda _, c=cls, kw=kw: c(**{"path": "x." + c.__name__[:3]
                                                                .lower(), "fps": 30, **kw}),
           IAE, match) for cls in (video.GifWriter, video.Mp4Writer)
      for arg, label, kw, match in [
          ("path", "None", {"path": None}, r"path must be a path.*got None"),
          ("fps", "0", {"fps": 0}, r"fps must be > 0, got 0"),
          ("scale", "0", {"scale": 0}, r"scale must be an int >= 1, got 0")]],
    Case("GifWriter", "loop", "-1", lambda _: video.GifWriter("x.gif", 30, loop=-1), IAE,
         r"loop must be an int in 0\.\.65535 \(0: forever\), got -1"),
    Case("Mp4Writer", "crf", "99", lambda _: video.Mp4Writer("x.mp4", 30, crf=99), IAE,
         r"crf must be an int in 0\.\.51, got 99"),
    Case("VideoWriter.add", "frame", "(3,)",
         lambda _: video.GifWriter("x.gif", 30).add(np.zeros(3, np.uint8)), IAE,
         r"a frame is \(H, W\), \(H, W, 3\) or \(H, W, 4\), got \(3,\)"),
    Case("VideoWriter.add", "frame", "float32",
         lambda _: video.GifWriter("x.gif", 30).add(np.zeros((4, 4, 3), np.float32)), IAE,
         r"a frame is uint8, got float32"),
    Case("export", "paths", "'x.avi'", lambda _: video.export(GOOD_RECORDING, "x.avi"), IAE,
         r"'x\.avi': a video file name ends in \.gif or \.mp4"),
    Case("export", "recording", "missing", lambda _: video.export("/no/such.aiorec", "x.gif"),
         RecordingFileError, r"cannot read recording '/no/such\.aiorec'"),
    Case("export", "scale", "0", lambda _: video.export(GOOD_RECORDING, "x.gif", scale=0), IAE,
         r"scale must be an int >= 1, got 0"),
    Case("export", "strict", "'yes'", lambda _: video.export(GOOD_RECORDING, "x.gif",
                                                               strict="yes"),
         IAE, r"strict must be True or False, got 'yes'"),
    Case("export", "options", "foo=1", lambda _: video.export(GOOD_RECORDING, "x.gif", foo=1),
         IAE, r"unknown keyword argument of GameEnv 'foo'"),
    # -- memsearch -------------------------------------------------------------------------
    *[Case("MemorySearch", "regions", label, lambda _, r=r: search(regions=r), IAE, match)
      for label, r, match in [
          ("5", 5, r"regions must be a list of \(start, length\), got 5"),
          ("[(0, 0)]", [(0, 0)], r"a region is \(start >= 0, length >= 1\), got \(0, 0\)"),
          ("[5]", [5], r"a region is \(start >= 0, length >= 1\), got 5"),
          ("[]", [], r"no region to search")]],
    Case("MemorySearch", "value_type", "'u64'", lambda _: search(value_type="u64"), IAE,
         r"unknown value type 'u64'; valid: 'u8', 's8', 'u16', 's16', 'u32', 's32'"),
    Case("MemorySearch", "endian", "'middle'", lambda _: search(endian="middle"), IAE,
         r"unknown endianness 'middle'; valid: 'little', 'big'"),
    Case("MemorySearch", "bcd", "'x'", lambda _: search(bcd="x"), IAE,
         r"bcd and aligned are bools, got 'x', False"),
    Case("MemorySearch", "aligned", "'x'", lambda _: search(aligned="x"), IAE,
         r"bcd and aligned are bools, got False, 'x'"),
    Case("MemorySearch", "device", "5", lambda _: search(device=5), AddressError,
         r"device must be a device tag such as ':maincpu' or None, got 5"),
    Case("MemorySearch", "space", "5", lambda _: search(space=5), AddressError,
         r"space must be an address space name such as 'program', got 5"),
    Case("MemorySearch.set_type", "value_type", "'f32'", lambda _: search().set_type("f32"),
         IAE, r"unknown value type 'f32'"),
    Case("MemorySearch.set_type", "endian", "'mid'", lambda _: search().set_type(None, "mid"),
         IAE, r"unknown endianness 'mid'"),
    Case("MemorySearch.set_type", "bcd", "s16", lambda _: search().set_type("s16", bcd=True),
         IAE, r"BCD values are unsigned: use u16, not s16"),
    Case("MemorySearch.set_type", "aligned", "1", lambda _: search().set_type(aligned=1), IAE,
         r"bcd and aligned are bools, got False, 1"),
    Case("MemorySearch.add_snapshot", "data", "3 bytes", lambda _: search().add_snapshot(b"abc"),
         IAE, r"a snapshot of these regions has 16 bytes, got 3"),
    Case("MemorySearch.add_snapshot", "data", "str", lambda _: search().add_snapshot("abc"),
         IAE, r"a snapshot is bytes or a uint8 array, got str"),
    Case("MemorySearch.filter", "name", "'bigger'", lambda _: searched().filter("bigger"), IAE,
         r"unknown filter 'bigger'; valid: 'changed', .*'less_equal'"),
    Case("MemorySearch.filter", "value", "'x'", lambda _: searched().filter("equal", "x"), IAE,
         r"filter 'equal' needs an int value, got 'x'"),
    Case("MemorySearch.filter", "value", "300", lambda _: searched().filter("equal", 300), IAE,
         r"300 is out of range for equal on u8 little: valid 0\.\.255"),
    *[Case(f"MemorySearch.{m}", "limit", repr(v), lambda _, m=m, v=v: getattr(searched(), m)(v),
           IAE, rf"limit must be an int >= 0 or None, got {q(v)}")
      for m in ("survivors", "to_dict") for v in (-1, "x")],
    Case("MemorySearch.load", "path", "missing", lambda _: MemorySearch.load("/no/such.npz"),
         IAE, r"cannot load memsearch session '/no/such\.npz'"),
    Case("MemorySearch.save", "path", "None", lambda _: searched().save(None), IAE,
         r"path must be a path.*got None"),
    *[Case("parse_regions", "text", label, lambda _, t=t: memsearch.parse_regions(t), IAE, m)
      for label, t, m in [
          ("'zz'", "zz", r"region 'zz' is neither START-END nor START\+LENGTH"),
          ("5", 5, r"regions must be a str such as '0x2000-0x23FF,0xC000\+256', got 5")]],
    Case("start_search", "emu", "unstarted", lambda _: memsearch.start_search(emulator()),
         AiomameError, r"not started: call start\(\) first"),
    *[Case("start_search", arg, label, lambda e, kw=kw: memsearch.start_search(e, **kw),
           error, match, "emu") for arg, label, kw, error, match in [
        ("regions", "[(0, 0)]", {"regions": [(0, 0)]}, IAE, r"got \(0, 0\)"),
        ("device", "':nope'", {"device": ":nope"}, AddressError, r"':nope'; valid: ':maincpu'"),
        ("space", "'data'", {"space": "data"}, AddressError, r"'data'; valid: 'io', 'program'"),
        ("value_type", "'u64'", {"value_type": "u64"}, IAE, r"unknown value type 'u64'"),
        ("endian", "'mid'", {"endian": "mid"}, IAE, r"unknown endianness 'mid'"),
        ("bcd", "'x'", {"bcd": "x"}, IAE, r"got 'x', False"),
        ("aligned", "'x'", {"aligned": "x"}, IAE, r"got False, 'x'"),
        ("snapshot", "'x'", {"snapshot": "x"}, IAE, r"snapshot must be True or False, got 'x'")]],
    # -- MAMEToolkit ------------------------------------------------------------------------
    *[Case("mametoolkit.Emulator", arg, label,
           lambda _, kw=kw: mtk.Emulator(**{"env_id": "e", "roms_path": "roms",
                                            "game_id": "invaders", "memory_addresses": {},
                                            "render": False, **kw}), error, match)
      for arg, label, kw, error, match in [
          ("roms_path", "None", {"roms_path": None}, IAE, r"roms_path must be a path.*None"),
          ("game_id", "None", {"game_id": None}, IAE, r"a non-empty str\), got None"),
          ("memory_addresses", "[1]", {"memory_addresses": [1]}, AddressError, r"got \[1\]"),
          ("frame_ratio", "0", {"frame_ratio": 0}, IAE, r"frame_ratio must be an int >= 1, "
                                                        r"got 0"),
          ("render", "'x'", {"render": "x"}, IAE, r"render must be True or False, got 'x'"),
          ("throttle", "'x'", {"throttle": "x"}, IAE, r"throttle must be True or False"),
          ("frame_skip", "11", {"frame_skip": 11}, IAE,
           r"frame_skip must be an int in 0\.\.10 \(MAME's -frameskip\), got 11"),
          ("sound", "'x'", {"sound": "x"}, IAE, r"sound must be True or False, got 'x'"),
          ("debug", "'x'", {"debug": "x"}, IAE, r"debug must be True or False, got 'x'"),
          ("binary_path", "5", {"binary_path": 5}, IAE, r"mame_binary must be a path.*got 5")]],
    Case("mametoolkit.list_actions", "roms_path", "None",
         lambda _: mtk.list_actions(None, "invaders"), IAE, r"roms_path must be a path.*None"),
    Case("mametoolkit.list_actions", "game_id", "''", lambda _: mtk.list_actions("roms", ""),
         IAE, r"got ''"),
    Case("mametoolkit.list_actions", "binary_path", "5",
         lambda _: mtk.list_actions("roms", "invaders", 5), IAE, r"mame_binary .*got 5"),
    Case("mametoolkit.see_games", "search", "5", lambda _: mtk.see_games(5), IAE,
         r"search must be a str or None, got 5"),
    Case("mametoolkit.see_games", "binary_path", "missing",
         lambda _: mtk.see_games(None, "/no/mame"), AiomameError,
         r"mame_binary '/no/mame' is not an executable file"),
    *[Case("mametoolkit.Environment", arg, label,
           lambda _, kw=kw: mtk_sf.Environment(
               **{"env_id": "e", "roms_path": "roms", "render": False, **kw}), IAE,
           match) for arg, label, kw, match in [
        ("roms_path", "None", {"roms_path": None}, r"roms_path must be a path.*None"),
        ("difficulty", "8", {"difficulty": 8}, r"difficulty must be an int in 0\.\.7, got 8"),
        ("frame_ratio", "0", {"frame_ratio": 0}, r"frame_ratio must be an int >= 1, got 0"),
        ("frames_per_step", "0", {"frames_per_step": 0},
         r"frames_per_step must be an int >= 1, got 0"),
        ("render", "'x'", {"render": "x"}, r"render must be True or False, got 'x'"),
        ("throttle", "'x'", {"throttle": "x"}, r"throttle must be True or False, got 'x'"),
        ("frame_skip", "-1", {"frame_skip": -1}, r"frame_skip must be an int in 0\.\.10"),
        ("sound", "'x'", {"sound": "x"}, r"sound must be True or False, got 'x'"),
        ("debug", "'x'", {"debug": "x"}, r"debug must be True or False, got 'x'"),
        ("binary_path", "5", {"binary_path": 5}, r"mame_binary must be a path.*got 5")]],
]

# -- what the table must cover ---------------------------------------------------------------
PUBLIC: dict[str, Callable[..., Any]] = {
    "Address": Address, "Action": Action, "Emulator": Emulator,
    **{f"Emulator.{m}": getattr(Emulator, m) for m in (
        "step", "step_into", "read", "read_range", "write", "reset", "load_state",
        "check_state")},
    "GameEnv": GameEnv,
    **{f"GameEnv.{m}": getattr(GameEnv, m) for m in ("reset", "step", "load_state")},
    "EnvPool": EnvPool,
    **{f"EnvPool.{m}": getattr(EnvPool, m) for m in (
        "send", "step", "reset", "async_reset", "load_state", "recv", "wait", "collect",
        "watch", "track_returns")},
    "State": State, "State.load": State.load, "State.save": State.save,
    "get_game": games.get_game, "load_game": games.load_game,
    "register_folder": games.register_folder,
    "Recorder": rec.Recorder, "Recording.load": Recording.load,
    "Recording.from_bytes": Recording.from_bytes, "Recording.save": Recording.save,
    "replay": rec.replay, "verify": rec.verify, "replay_env": rec.replay_env,
    "open_video": video.open_video, "GifWriter": video.GifWriter,
    "Mp4Writer": video.Mp4Writer, "VideoWriter.add": video.VideoWriter.add,
    "export": video.export,
    "MemorySearch": MemorySearch,
    **{f"MemorySearch.{m}": getattr(MemorySearch, m) for m in (
        "set_type", "add_snapshot", "filter", "survivors", "to_dict", "load", "save")},
    "parse_regions": memsearch.parse_regions, "start_search": memsearch.start_search,
    "mametoolkit.Emulator": mtk.Emulator, "mametoolkit.list_actions": mtk.list_actions,
    "mametoolkit.see_games": mtk.see_games, "mametoolkit.Environment": mtk_sf.Environment,
}
"""The public API whose every argument needs a row. Left out, on purpose: ``aiomame.sync``,
``aiomame.gym`` and ``aiomame.sb3`` (wrappers that pass their arguments to the classes above;
tests/test_sync.py, test_gym.py and test_sb3.py cover their own), ``aiomame.run``
(``asyncio.run``'s own check), the Game classes' hooks (called by aiomame, not by users),
and methods without arguments."""

TAKES_ANYTHING = {
    # Names only: printed in messages and stored as text.
    ("Recording.from_bytes", "name"), ("MemorySearch.add_snapshot", "label"),
    ("mametoolkit.Emulator", "env_id"), ("mametoolkit.Environment", "env_id"),
}
"""(API, argument) pairs that need no row: they take anything, or are checked by the very
code another row exercises (said per line)."""

CLI_CASES = [
    # (command, option dest, argv, what the one line names); tests/test_cli.py's BAD and
    # tests/test_cli_play.py's table have more.
    ("games", "mame", ["games", "--mame", "/no/mame"], "'/no/mame' is not an executable"),
    ("actions", "mame", ["actions", "invaders", "--roms", ".", "--mame", "/no/mame"],
     "'/no/mame' is not an executable"),
    ("play", "seed", ["play", "catch", "--seed", "x"], "invalid int value: 'x'"),
    ("play", "episodes", ["play", "catch", "--episodes", "x"], "invalid int value: 'x'"),
    ("play", "max_steps", ["play", "catch", "--max-steps", "-5"], "got -5"),
    ("play", "scale", ["play", "catch", "--scale", "0"], "--scale must be at least 1, got 0"),
    ("play", "roms", ["play", "catch", "--roms", "/no/such"], "'/no/such' is not a folder"),
    ("play", "record", ["play", "catch", "--record", "no/dir/x.aiorec"],
     "'no/dir/x.aiorec': no such folder to write it in"),
    ("play", "gif", ["play", "catch", "--gif", "x.avi"], "'x.avi': a video file name ends"),
    ("record", "out", ["record", "catch", "no/dir/x.aiorec"], "no such folder to write it in"),
    ("record", "scale", ["record", "catch", "o.aiorec", "--scale", "0"], "got 0"),
    ("record", "agent", ["record", "catch", "o.aiorec", "--agent", "smart"],
     "unknown agent 'smart' for catch; valid: random, noop, tracker"),
    ("record", "episodes", ["record", "catch", "o.aiorec", "--episodes", "0"], "got 0"),
    ("record", "seed", ["record", "catch", "o.aiorec", "--seed", "1.5"], "'1.5'"),
    ("record", "game", ["record", "nosuch", "o.aiorec"], "unknown game 'nosuch'; valid: "),
    ("record", "mp4", ["record", "catch", "o.aiorec", "--mp4", "x.gif2"], "'x.gif2'"),
    ("record", "gif", ["record", "catch", "o.aiorec", "--gif", "no/dir/a.gif"],
     "no such folder"),
    ("record", "max_steps", ["record", "catch", "o.aiorec", "--max-steps", "-1"], "got -1"),
    ("record", "roms", ["record", "catch", "o.aiorec", "--roms", "/no/such"], "'/no/such'"),
    ("replay", "file", ["replay", "/no/such.aiorec"], "'/no/such.aiorec'"),
    ("replay", "scale", ["replay", "/no/such.aiorec", "--scale", "0"], "got 0"),
    ("replay", "gif", ["replay", "/no/such.aiorec", "--gif", "x.avi"], "'x.avi'"),
    ("replay", "mp4", ["replay", "/no/such.aiorec", "--mp4", "no/dir/x.mp4"], "no such folder"),
    ("replay", "roms", ["replay", "/no/such.aiorec", "--roms", "/no/such"], "'/no/such'"),
    ("export-minari", "recordings", ["export-minari", "/no/such.aiorec", "--id", "ns/b-v0"],
     "cannot read recording '/no/such.aiorec'"),
    ("export-minari", "dataset_id", ["export-minari", "x.aiorec", "--id", "catch"],
     "dataset id 'catch' is not (NAMESPACE/)NAME-vVERSION"),
    ("export-minari", "obs_type", ["export-minari", "x.aiorec", "--id", "a-v0", "--obs-type",
                                   "grey"], "invalid choice: 'grey'"),
    ("export-minari", "resize", ["export-minari", "x.aiorec", "--id", "a-v0", "--resize", "84"],
     "'84' is not HEIGHTxWIDTH"),
    ("export-minari", "interpolation", ["export-minari", "x.aiorec", "--id", "a-v0",
                                        "--interpolation", "cubic"], "invalid choice: 'cubic'"),
    ("export-minari", "frame_stack", ["export-minari", "x.aiorec", "--id", "a-v0",
                                      "--frame-stack", "0"], "'0' is not an integer >= 1"),
    ("export-minari", "roms", ["export-minari", "x.aiorec", "--id", "a-v0", "--roms",
                               "/no/such"], "'/no/such' is not a folder"),
    ("play", "mp4", ["play", "catch", "--mp4", "no/dir/x.mp4"], "no such folder"),
    ("play", "agent", ["play", "catch", "--agent", "smart"], "unknown agent 'smart'"),
    ("play", "player", ["play", "catch", "--player", "2"],
     "--player 2: game 'catch' has player 1 only"),
    ("play", "opponent", ["play", "catch", "--opponent", "cpu"],
     "--opponent 'cpu': game 'catch' has one player"),
    ("record", "player", ["record", "catch", "x.aiorec", "--player", "0"],
     "argument --player: '0' is not an integer >= 1"),
    ("record", "opponent", ["record", "catch", "x.aiorec", "--opponent", "random"],
     "--opponent 'random': game 'catch' has one player"),
    ("play", "media", ["play", "catch", "--media", "cart"], "expected SLOT=FILE"),
    ("play", "software", ["play", "catch", "--software", "brakout"], "no item 'brakout'"),
    ("new-game", "media", ["new-game", "a2600", "--roms", ".", "--media", "flop1=x.bin"],
     "'a2600' has no media slot 'flop1'; its slots: 'cart'"),
    ("new-game", "software", ["new-game", "a2600", "--roms", ".", "--software", "brakout"],
     "no item 'brakout'"),
    ("games", "software", ["games", "--software", "a260"], "no such software list"),
    ("play", "game", ["play", "nosuch"], "unknown game 'nosuch'"),
    ("memsearch", "value_type", ["memsearch", "catch", "--type", "u64"],
     "unknown value type 'u64'; valid: 'u8', 's8'"),
    ("memsearch", "endian", ["memsearch", "catch", "--endian", "middle"],
     "invalid choice: 'middle' (choose from 'little', 'big')"),
    ("memsearch", "load", ["memsearch", "catch", "--load", "/no/such.npz"],
     "cannot load memsearch session '/no/such.npz'"),
    ("memsearch", "script", ["memsearch", "catch", "--script", "/no/such.txt"],
     "cannot read --script '/no/such.txt'"),
    ("memsearch", "seed", ["memsearch", "catch", "--seed", "x"], "invalid int value: 'x'"),
    ("memsearch", "roms", ["memsearch", "catch", "--roms", "/no/such"], "'/no/such'"),
    ("memsearch", "space", ["memsearch", "catch", "--space", ""], "got ''"),
    ("memsearch", "device", ["memsearch", "catch", "--device", ""], "got ''"),
    ("memsearch", "regions", ["memsearch", "catch", "--regions", "zz"], "region 'zz'"),
    ("memsearch", "game", ["memsearch", "nosuch"], "'nosuch' is not a registered game"),
    ("new-game", "roms", ["new-game", "invaders", "--roms", "/no/such"], "'/no/such'"),
    ("new-game", "out", ["new-game", "invaders", "no/dir/x.toml", "--roms", "."],
     "'no/dir/x.toml': no such folder to write it in"),
    ("new-game", "out", ["new-game", "invaders", "x.txt", "--roms", "."],
     "x.txt: a game definition's file name ends in .toml"),
    ("new-game", "system", ["new-game", "nosuchsystem", "--roms", "."],
     "MAME knows no system 'nosuchsystem'"),  # MAME's own answer: it starts and exits
    ("bench", "roms", ["bench", "catch", "--roms", "/no/such"], "'/no/such' is not a folder"),
    ("debug", "mame", ["debug", "catch", "--mame", "/no/mame"], "'/no/mame'"),
    ("bench", "interpolation", ["bench", "catch", "--interpolation", "cubic"],
     "invalid choice: 'cubic' (choose from 'area', 'linear', 'nearest')"),
    ("bench", "seed", ["bench", "catch", "--seed", "x"], "invalid int value: 'x'"),
    ("bench", "mame", ["bench", "catch", "--mame", "/no/mame"], "'/no/mame'"),
    ("bench", "frame_ratio", ["bench", "catch", "--frame-ratio", "0"],
     "'0' is not an integer >= 1"),
    ("bench", "frame_stack", ["bench", "catch", "--frame-stack", "0"],
     "'0' is not an integer >= 1"),
    ("roms", "mame", ["roms", "catch", "out", "--mame", "/no/mame"], "'/no/mame'"),
    ("watch", "game", ["watch", "nosuch"], "unknown game 'nosuch'"),
    ("watch", "game", ["watch", "sf3", "--roms", "."], "'sfiii3n' cannot run: ROM files "
     "missing from"),  # MAME's own answer: the pool starts and fails
    ("watch", "envs", ["watch", "catch", "--envs", "0"], "'0' is not an integer >= 1"),
    ("watch", "agent", ["watch", "catch", "--agent", "smart"],
     "unknown agent 'smart' for catch; valid: random, noop, tracker"),
    ("watch", "port", ["watch", "catch", "--port", "70000"],
     "'70000' is not a port number (0..65535)"),
    ("watch", "host", ["watch", "catch", "--host", "no.such.host.invalid"],
     "--host 'no.such.host.invalid': no such host"),
    ("watch", "fps", ["watch", "catch", "--fps", "0"], "'0' is not a number > 0"),
    ("watch", "seconds", ["watch", "catch", "--seconds", "x"], "'x' is not a number > 0"),
    ("watch", "max_steps", ["watch", "catch", "--max-steps", "-1"], "'-1' is not an integer"),
    ("watch", "seed", ["watch", "catch", "--seed", "x"], "invalid int value: 'x'"),
    ("watch", "roms", ["watch", "catch", "--roms", "/no/such"], "'/no/such'"),
    ("play", "port", ["play", "catch", "--human", "--port", "x"], "'x' is not a port number"),
    ("play", "host", ["play", "catch", "--human", "--host", "no.such.host.invalid"],
     "--host 'no.such.host.invalid': no such host"),
]

CLI_TAKES_ANYTHING = {
    ("games", "text"),  # any search text
    ("doctor", "mame"),  # doctor reports a missing MAME as a failed check (exit 1)
    ("roms", "dest"),  # any folder: made if missing
    ("export-minari", "description"), ("export-minari", "author"),  # any text: metadata
}


@pytest.mark.parametrize("case", [c for c in CASES if c.needs is None],
                         ids=lambda c: c.id)
async def test_bad_argument_before_any_mame(case, tmp_path, monkeypatch, no_leaks):
    monkeypatch.chdir(tmp_path)
    await _raises(case, None)


@pytest_asyncio.fixture(scope="module")
async def env():
    async with GameEnv("catch") as game_env:
        await game_env.reset(seed=1)
        yield game_env


@pytest_asyncio.fixture(scope="module")
async def pool_():
    async with EnvPool("catch", 2) as envs:
        await envs.reset(seed=1)
        yield envs


def needing(what: str) -> list[Case]:
    return [c for c in CASES if c.needs == what]


@pytest.mark.parametrize("case", needing("emu"), ids=lambda c: c.id)
async def test_bad_argument_of_a_running_emulator(case, emu):
    await _raises(case, emu)
    assert "counter" in await emu.step(frame=False)  # still fine


@pytest.mark.parametrize("case", needing("env"), ids=lambda c: c.id)
async def test_bad_argument_of_a_running_env(case, env):
    await _raises(case, env)


@pytest.mark.parametrize("case", needing("pool"), ids=lambda c: c.id)
async def test_bad_argument_of_a_running_pool(case, pool_):
    await _raises(case, pool_)
    assert pool_.num_pending == 0  # nothing was sent: the pool steps on
    await pool_.step([0, 0])


async def _raises(case: Case, target: Any) -> None:
    with pytest.raises(case.error, match=case.match) as caught:
        result = case.call(target)
        if inspect.iscoroutine(result):
            await result
        elif inspect.isasyncgen(result) or hasattr(result, "__anext__"):
            try:
                await result.__anext__()
            finally:
                await result.aclose()
    assert isinstance(caught.value, AiomameError), type(caught.value).__mro__


@pytest.mark.parametrize(("argv", "named"), [c[2:] for c in CLI_CASES],
                         ids=[" ".join(c[2]) for c in CLI_CASES])
def test_cli_bad_value_is_one_line_naming_it(argv, named, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    out, err = capsys.readouterr()
    assert exited.value.code == 2, err
    assert len(err.splitlines()) == 1 and out == "", err
    # argparse quotes the choices up to Python 3.11 and not from 3.13: compare unquoted
    assert err.startswith(f"aiomame {argv[0]}: error: "), err
    assert named.replace("'", "") in err.replace("'", ""), err


def test_every_public_argument_has_a_case():
    covered = {(c.api, c.arg) for c in CASES} | TAKES_ANYTHING
    missing = []
    for api, function in PUBLIC.items():
        for name, param in inspect.signature(function).parameters.items():
            if name in ("self", "cls") or param.kind is param.VAR_POSITIONAL:
                continue
            if (api, name) not in covered:
                missing.append(f"{api}({name})")
    assert missing == [], f"public arguments without a bad-input case: {missing}"
    assert {c.api for c in CASES} <= set(PUBLIC) | {"replay_env"}


def test_every_cli_option_with_a_value_has_a_case():
    parser = cli.build_parser("aiomame")
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    covered = {(c[0], c[1]) for c in CLI_CASES} | CLI_TAKES_ANYTHING
    for argv, _ in CLI_TABLE:  # tests/test_cli.py's rows
        command = sub.choices.get(argv[0])
        for action in command._actions if command else ():
            named = any(o in argv for o in action.option_strings)
            first_positional = not action.option_strings and len(argv) > 1 \
                and not argv[1].startswith("-") and action is next(
                    a for a in command._actions if not a.option_strings)
            if named or first_positional:
                covered.add((argv[0], action.dest))
    missing = []
    for name, command in sub.choices.items():
        if name == "list-actions":  # the same parser as actions
            continue
        for action in command._actions:
            if action.nargs == 0 or action.dest == "help":
                continue  # flags take no value
            if (name, action.dest) not in covered:
                missing.append(f"{name} {action.option_strings or action.dest}")
    assert missing == [], f"CLI options without a bad-input case: {missing}"
