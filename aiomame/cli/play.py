"""``aiomame play GAME``: play episodes of a game with a simple agent, with a progress bar,
a summary, and optionally the recordings and a GIF or MP4 of them.

Each episode is capped at --max-steps, by default the game's own max_episode_steps, else
2000 (some agents never lose). In a two-player game
--agent plays --player (1) and --opponent the other (cpu, the game's own, when it has one;
else random); each episode's line and the summary give both players' scores, and the
recordings hold both players' actions. Ctrl-C stops: the summary of what was played is
printed and its files are written, then the exit status is 130.
Output files: --gif and --mp4 hold the last episode (the one interrupted, if any, when it
has a step); --record writes every episode, as FILE itself for one episode, else with the
episode number before the suffix (run.aiorec: run-1.aiorec, run-2.aiorec, ...).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..episodes.env import GameEnv
from ..episodes.opponent import make_opponent
from ..extras import TORCH, install
from ..games import GAMES, Game, get_game
from ..runner import run
from ..tools.recording import Recorder
from ..tools.video import VideoWriter, check_format, open_video, steps_per_second
from . import human
from .common import (
    DEFAULT_STEP_CAP,
    INTERRUPTED_EXIT,
    UsageError,
    add_media,
    add_roms,
    media_options,
    step_cap,
)
from .versus import (
    add_players_options,
    merge_options,
    opponent_choice,
    opponent_options,
    score_line,
    winner,
)

Policy = Callable[[np.ndarray, dict[str, Any]], Any]
"""An agent: (observation, memory values) -> action."""

GAME_HELP = (f"a registered game ({', '.join(sorted(GAMES))}; see `games`) or the path of a "
             "game definition file (NAME.toml)")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("play", help="play episodes of a game with a simple agent",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("game", help=GAME_HELP)
    add_session_options(p, episodes=3, gif="episode.gif")
    p.add_argument("--record", metavar="FILE", default=None,
                   help="write each episode's recording (replay it with `replay FILE`); "
                        "with several episodes FILE-1, FILE-2... (see above)")
    p.add_argument("--render", action="store_true", help="show MAME's window")
    p.add_argument("--throttle", action="store_true",
                   help="run at the game's real speed (default: as fast as possible)")
    add_media(p)
    human.add_options(p)
    p.set_defaults(func=main)


def add_session_options(p: argparse.ArgumentParser, episodes: int, gif: str | None) -> None:
    """The options ``play`` and ``record`` share."""
    p.add_argument("--agent", default="random", metavar="AGENT",
                   help="who plays: random (uniform actions), noop (no input), one of the "
                        "game's own agents, e.g. tracker for catch, or the path of a trained "
                        "policy's checkpoint (examples/train_ppo.py; needs "
                        f"{TORCH}) "
                        "(default: random)")
    add_players_options(p)
    p.add_argument("--episodes", type=int, default=episodes, metavar="N",
                   help=f"how many episodes to play (default: {episodes})")
    p.add_argument("--seed", type=int, default=None, metavar="S",
                   help="episode i plants seed S+i-1 and the random agent is seeded with S: "
                        "the same command plays the same games (default: random seeds, each "
                        "recorded)")
    p.add_argument("--max-steps", type=int, default=None, metavar="N",
                   help="end an episode after N steps if the game has not ended it (default: "
                        f"the game's max_episode_steps, else {DEFAULT_STEP_CAP}, about 100 s "
                        "of catch; 0: only the game's own limit, if any)")
    p.add_argument("--gif", default=gif, metavar="FILE",
                   help="write the last episode as an animated GIF at the game's real speed"
                        + (f" (default: {gif}; '' for none)" if gif else ""))
    p.add_argument("--mp4", default=None, metavar="FILE",
                   help="write the last episode as an H.264 MP4 at the game's real speed "
                        f"(needs: {install('video')})")
    p.add_argument("--scale", type=int, default=2, metavar="K",
                   help="enlarge GIF and MP4 frames K times, pixels kept sharp (default: 2)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object (episodes, scores, steps, seeds, files) "
                        "instead of text, and no progress bar")
    add_roms(p)


def main(args: argparse.Namespace) -> int:
    if args.human:
        return human.main(args)
    return run_session(args, record=args.record, render=args.render, throttle=args.throttle)


def run_session(args: argparse.Namespace, *, record: str | None, render: bool,
                throttle: bool) -> int:
    """Checks the arguments, plays, prints; the exit status (130 if interrupted)."""
    if args.episodes < 1:
        raise UsageError(f"--episodes must be at least 1, got {args.episodes}")
    if args.max_steps is not None and args.max_steps < 0:
        raise UsageError(f"--max-steps must be 0 or more, got {args.max_steps}")
    if args.scale < 1:
        raise UsageError(f"--scale must be at least 1, got {args.scale}")
    for path in (args.gif, args.mp4):
        if path:
            check_format(path)
    if record and not Path(record).resolve().parent.is_dir():
        raise UsageError(f"{record!r}: no such folder to write it in")
    game = get_game(args.game)
    args.max_steps = step_cap(args.max_steps, game)
    # an unknown agent or opponent fails before MAME starts; the default opponent filled in
    args.opponent = opponent_choice(args, game)
    env_options(args, game)
    session = Session(args, record, render, throttle)
    try:
        run(session.play())
    except KeyboardInterrupt:  # Ctrl-C after the episodes' own handling (see Session.play)
        session.interrupted = True
    session.report()
    return INTERRUPTED_EXIT if session.interrupted else 0


def episode_path(path: str, episode: int, episodes: int) -> str:
    """``path`` for one episode of several: the number before the suffix."""
    if episodes == 1:
        return path
    file = Path(path)
    return os.fspath(file.with_name(f"{file.stem}-{episode}{file.suffix}"))


def env_options(args: argparse.Namespace, game: Game) -> dict[str, Any]:
    """The env options the agent and the opponent (checked by :func:`opponent_choice`)
    need: a trained policy sees the frames it was trained on."""
    agent = agent_spec(args.agent, game, args.player)
    if args.opponent is None or args.opponent == "cpu":
        return agent
    return merge_options(agent, opponent_options(args.opponent, game, 3 - args.player))


def agent_spec(name: str, game: Game, player: int = 1) -> dict[str, Any]:
    """Checks agent ``name`` for ``game``'s ``player``; the env options it needs: a trained
    policy's checkpoint (``examples/train_ppo.py``) observes frames as it was trained to."""
    if name in ("random", "noop") or name in game.agents(player):
        return {}
    if os.sep in name or os.path.isfile(name):
        agent = checkpoint_agent(name)
        if get_game(agent.game).system != game.system or agent.game not in (game.name,
                                                                           game.system):
            raise UsageError(f"--agent {name!r} was trained on {agent.game!r}, not on "
                             f"{game.name!r}")
        return {k: v for k, v in agent.env.items() if k != "max_episode_steps"}
    valid = ", ".join(["random", "noop", *game.agents(player)])
    raise UsageError(f"unknown agent {name!r} for {game.name}; valid: {valid} or the path "
                     "of a trained policy's checkpoint")


@functools.cache
def checkpoint_agent(path: str) -> Any:
    """The trained policy at ``path`` (:func:`aiomame.tools.policy.load_agent`), loaded once."""
    try:
        from ..tools.policy import load_agent
    except ImportError as exc:
        raise UsageError(f"--agent {path!r}: {exc}") from None
    return load_agent(path)


def make_policy(name: str, env: GameEnv, seed: int | None) -> Policy:
    """The agent ``name`` for ``env``'s player (checked by :func:`agent_spec`)."""
    rng = random.Random(seed)
    controls = env.game.controls(env.player)
    buttons = len(controls.buttons)
    axes = len(controls.axes)
    if name == "random":
        if axes:  # each axis anywhere in [-1, 1], each button held half the time
            return lambda obs, info: np.array(
                [rng.uniform(-1, 1) for _ in range(axes)]
                + [rng.choice((-1.0, 1.0)) for _ in range(buttons)], np.float32)
        if buttons:
            return lambda obs, info: np.array([rng.getrandbits(1) for _ in range(buttons)],
                                              np.uint8)
        count = len(env.action_names)
        return lambda obs, info: rng.randrange(count)
    if name == "noop":
        none = np.zeros(axes + buttons, np.float32 if axes else np.uint8) \
            if axes or buttons else 0  # axes: the middle of each range
        return lambda obs, info: none
    agents = env.game.agents(env.player)
    if name not in agents:
        trained = checkpoint_agent(name)
        return lambda obs, info: trained.act(obs)
    agent = agents[name]
    return lambda obs, info: agent(info)


def make_env(args: argparse.Namespace, options: dict[str, Any]) -> GameEnv:
    """The env of ``args``' game with ``options``; in a two-player game, the agent plays
    ``--player`` against ``--opponent`` (with ``--seed``, a random one is seeded)."""
    if args.opponent is not None:
        options = {**options, "opponent": args.opponent, "player": args.player}
    env = GameEnv(get_game(args.game), roms_path=args.roms, **options)
    if env.opponent is not None and args.opponent == "random" and args.seed is not None:
        env.opponent = make_opponent("random", env.game, env.opponent.player, seed=args.seed)
    return env


def mean_text(value: float) -> str:
    """A mean score for people: 2 decimals at most (0.333333 -> 0.33, 2.0 -> 2)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


class Session:
    """Episodes of one game: plays them, keeps their results, writes their files."""

    def __init__(self, args: argparse.Namespace, record: str | None, render: bool,
                 throttle: bool) -> None:
        self.args = args
        self.record = record
        self.render = render
        self.throttle = throttle
        self.episodes: list[dict[str, Any]] = []
        self.files: list[str] = []
        self.interrupted = False
        self.seconds = 0.0
        self.screen_videos = False

    def say(self, line: str) -> None:
        if not self.args.json:
            from tqdm import tqdm

            tqdm.write(line, file=sys.stdout)
            sys.stdout.flush()

    async def play(self) -> None:
        args = self.args
        options: dict[str, Any] = {"render": self.render, "throttle": self.throttle,
                                   "max_episode_steps": args.max_steps}
        options.update(env_options(args, get_game(args.game)))
        options.update(media_options(args) if "media" in args else {})  # play's, not record's
        from tqdm import tqdm

        async with make_env(args, options) as env:
            # The agent may see small grayscale frames (a trained policy's, a definition's
            # [obs]): the videos show the screen as the player sees it.
            obs = env.emulator.obs
            self.screen_videos = (obs.obs_type != "rgb" or obs.resize is not None
                                  or env.frame_stack != 1)
            policy = make_policy(args.agent, env, args.seed)
            recorder = Recorder(env, game=args.game)
            started = time.perf_counter()
            # One bar over the episodes (an episode may end long before the step cap); the
            # current episode's steps and score are its postfix.
            bar = tqdm(total=args.episodes, unit="episode", leave=False, dynamic_ncols=True,
                       disable=True if args.json else None)
            try:
                for episode in range(1, args.episodes + 1):
                    await self._episode(env, recorder, policy, episode, bar)
                    bar.update()
            except asyncio.CancelledError:
                self.interrupted = True  # Ctrl-C: what was played is kept (see _episode)
            finally:
                bar.close()
            self.seconds = time.perf_counter() - started

    async def _episode(self, env: GameEnv, recorder: Recorder, policy: Policy,
                       episode: int, bar: Any) -> None:
        args = self.args
        fps = steps_per_second(env)
        videos: list[VideoWriter] = []
        for path in (args.gif, args.mp4):
            if path:
                videos.append(open_video(path, fps, args.scale))
        seed = None if args.seed is None else args.seed + episode - 1
        result: dict[str, Any] = {"episode": episode, "score": 0.0, "steps": 0}
        if env.game.players > 1:
            result["scores"] = [0.0] * env.game.players
        started = shown = time.perf_counter()
        try:
            obs, info = await recorder.reset(seed)
            result["seed"] = recorder.recording.seed
            for video in videos:
                video.add(env.emulator.screen() if self.screen_videos else obs)
            while True:
                obs, _, terminated, truncated, info = await recorder.step(
                    policy(obs, info))
                for video in videos:
                    video.add(env.emulator.screen() if self.screen_videos else obs)
                scores = recorder.scores
                result["score"] = scores[env.player - 1]
                if len(scores) > 1:
                    result["scores"] = scores
                result["steps"] += 1
                if time.perf_counter() - shown >= 0.2:  # the postfix, not every step
                    shown = time.perf_counter()
                    bar.set_postfix(step=result["steps"],
                                    score=" : ".join(f"{x:g}" for x in scores))
                if terminated or truncated:
                    result["end"] = "game over" if terminated else "step cap"
                    break
        except BaseException as exc:
            interrupted = isinstance(exc, (asyncio.CancelledError, KeyboardInterrupt))
            if not interrupted or result["steps"] == 0:
                for video in videos:
                    video.abort()
                raise
            result["end"] = "interrupted"
            self._finish(episode, recorder, videos, result, started, True)
            raise
        self._finish(episode, recorder, videos, result, started, False)

    def _finish(self, episode: int, recorder: Recorder, videos: list[VideoWriter],
                result: dict[str, Any], started: float, interrupted: bool) -> None:
        """Writes the episode's files and prints its line."""
        elapsed = time.perf_counter() - started
        result["seconds"] = round(elapsed, 3)
        files = []
        if self.record:
            path = episode_path(self.record, episode, self.args.episodes)
            recorder.recording.save(path)
            files.append(path)
        # Each episode's video replaces the previous one's: the file holds the last.
        files += [os.fspath(video.close()) for video in videos]
        result["files"] = files
        self.files += files
        self.episodes.append(result)
        rate = result["steps"] / elapsed if elapsed > 0 else 0.0
        score = f"score {result['score']:g}"
        if "scores" in result:
            result["winner"] = winner(result["scores"])
            score = score_line(result["scores"]) + ","
        seed = "" if result.get("seed") is None else f", seed {result['seed']}"
        self.say(f"episode {episode}: {score} in {result['steps']} steps, "
                 f"{result['end']}{seed} ({rate:,.0f} steps/s)"
                 + "".join(f"; wrote {f}" for f in files))
        if interrupted:
            self.interrupted = True

    def _versus_summary(self) -> str:
        """``player 1 (agent random) won 1, player 2 (opponent cpu) won 2, 0 draws, mean
        P1 2 : P2 5``."""
        args, episodes = self.args, self.episodes
        wins = [sum(e["winner"] == p for e in episodes) for p in (1, 2)]
        who = {args.player: f"agent {args.agent}", 3 - args.player: f"opponent {args.opponent}"}
        means = [sum(e["scores"][p] for e in episodes) / len(episodes) for p in (0, 1)]
        return (", ".join(f"player {p} ({who[p]}) won {wins[p - 1]}" for p in (1, 2))
                + f", {sum(e['winner'] is None for e in episodes)} draw(s), mean "
                + " : ".join(f"P{p} {mean_text(m)}" for p, m in enumerate(means, 1)))

    def report(self) -> None:
        """The summary: text, or one JSON object with --json."""
        args = self.args
        steps = sum(e["steps"] for e in self.episodes)
        versus = {} if args.opponent is None else {"player": args.player,
                                                    "opponent": args.opponent}
        if args.json:
            print(json.dumps({"game": args.game, "agent": args.agent, **versus,
                              "episodes": self.episodes, "steps": steps,
                              "seconds": round(self.seconds, 3),
                              "interrupted": self.interrupted, "files": self.files}))
            return
        scores = [e["score"] for e in self.episodes]
        mean = f", mean score {mean_text(sum(scores) / len(scores))}" if scores else ""
        if versus and self.episodes:
            mean = ", " + self._versus_summary()
        stopped = " (interrupted)" if self.interrupted else ""
        rate = steps / self.seconds if self.seconds > 0 else 0.0
        print(f"{len(self.episodes)} episode(s){stopped}{mean}; {steps} steps in "
              f"{self.seconds:.1f}s ({rate:,.0f} steps/s)", flush=True)
