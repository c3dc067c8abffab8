"""``aiomame replay FILE``: play a recording back exactly, check it, export it.

Starts the recorded game, from the recorded seed or state, presses the recorded actions,
and checks every step's memory values and frame against the recording's checksums. Exit
status: 0 identical, 1 if the replay diverged (the first differing step is printed; it goes
on until the episode ends, so an export shows what happened), 2 for a file that is not a
readable recording.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

from ..extras import install
from ..runner import run
from ..tools.recording import Divergence, Recording
from ..tools.video import VideoWriter, check_format, open_video, replay_into
from .common import FAILURE_EXIT, UsageError, add_roms
from .versus import score_line


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="play a recording back exactly, check it, export it",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="a recording (written by `record`, `play --record` or "
                                "aiomame.tools.recording.Recorder)")
    p.add_argument("--gif", metavar="OUT", default=None,
                   help="write the replay as an animated GIF at the game's real speed")
    p.add_argument("--mp4", metavar="OUT", default=None,
                   help="write the replay as an H.264 MP4 at the game's real speed (needs: "
                        f"{install('video')})")
    p.add_argument("--scale", type=int, default=2, metavar="K",
                   help="enlarge GIF and MP4 frames K times, pixels kept sharp (default: 2)")
    p.add_argument("--render", action="store_true",
                   help="show MAME's window, at the game's real speed, to watch")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object (game, steps, score, divergence, files)")
    add_roms(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if args.scale < 1:
        raise UsageError(f"--scale must be at least 1, got {args.scale}")
    outputs = [path for path in (args.gif, args.mp4) if path]
    for path in outputs:
        check_format(path)
    recording = Recording.load(args.file)
    started = time.perf_counter()
    steps, score, divergence = run(_replay(recording, args, outputs))
    seconds = time.perf_counter() - started
    versus: dict[str, Any] = {}
    if recording.players > 1:
        # Every player's score from the replay; against the game's own opponent the env
        # rewards player 1 only, so the others' are the recording's.
        scores = (np.zeros(recording.players) + score).tolist() if recording.joint else \
            [float(score), *recording.scores[1:]]  # (a replay of no step scores 0.0)
        score = scores[recording.player - 1]
        versus = {"players": recording.players, "player": recording.player,
                  "opponent": recording.opponent, "scores": scores}
    if args.json:
        print(json.dumps({
            "file": args.file, "game": recording.game, "system": recording.system,
            "recorded_on": recording.mame, "steps": steps, "recorded_steps": recording.steps,
            "score": score, **versus, "seed": recording.seed,
            "from_state": recording.state is not None,
            "identical": divergence is None,
            "divergence": None if divergence is None else {
                "step": divergence.step, "what": divergence.what, "detail": divergence.detail},
            "seconds": round(seconds, 3), "files": outputs}))
    else:
        verdict = "identical" if divergence is None else str(divergence)
        result = f"score {score:g}"
        if versus:
            against = "agents" if recording.opponent is None else \
                f"player {recording.player} against {recording.opponent}"
            result = f"{against}, {score_line(versus['scores'])}"
        print(f"{args.file}: {recording.game}, {steps} of {recording.steps} steps, "
              f"{result}: {verdict}" + "".join(f"; wrote {path}" for path in outputs))
    return 0 if divergence is None else FAILURE_EXIT


async def _replay(recording: Recording, args: argparse.Namespace, outputs: list[str]
                  ) -> tuple[int, float, Divergence | None]:
    options: dict[str, Any] = {"roms_path": args.roms}
    if args.render:
        options.update(render=True, throttle=True)
    if outputs:
        options.update(obs_type="rgb", resize=None)  # the screen as the player sees it
    videos: list[VideoWriter] = [open_video(path, recording.steps_per_second, args.scale)
                                 for path in outputs]
    return await replay_into(recording, videos, strict=False, **options)
