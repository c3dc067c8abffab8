"""``aiomame export-minari RECORDING... --id NAME``: recordings as a Minari dataset.

Replays the recordings (of one game) on MAME with the observation options given here (by
default the first recording's), checks each step's memory values against the recording,
and writes one Minari episode per recording: frames exactly as the env returns them,
the recorded actions, rewards, ends and the game's memory values as infos. The dataset
goes to Minari's folder ($MINARI_DATASETS_PATH, default ~/.minari/datasets); load it with
`minari.load_dataset(NAME)`, and `dataset.recover_environment()` makes the game's
Gymnasium env with the same observations. Needs: pip install ".[minari]".
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from ..machine.frames import INTERPOLATIONS, OBS_TYPES
from ..runner import run
from .common import (
    UsageError,
    add_json,
    add_progress,
    add_roms,
    positive_int,
    print_json,
    progress,
    size,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-minari", help="write recordings as a Minari dataset (offline RL)",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("recordings", nargs="+", metavar="RECORDING",
                   help="recordings of one game (written by `record`, `play --record` or "
                        "aiomame.tools.recording.Recorder)")
    p.add_argument("--id", required=True, dest="dataset_id", metavar="NAME",
                   help="the dataset's id: (NAMESPACE/)NAME-vVERSION, e.g. "
                        "aiomame/catch-tracker-v0")
    p.add_argument("--obs-type", choices=OBS_TYPES, default=None,
                   help="frame colours (default: as recorded)")
    p.add_argument("--resize", type=size, default=None, metavar="HxW",
                   help="resize frames to HEIGHTxWIDTH, e.g. 84x84 (default: as recorded)")
    p.add_argument("--interpolation", choices=tuple(INTERPOLATIONS), default=None,
                   help="resize interpolation (default: as recorded)")
    p.add_argument("--frame-stack", type=positive_int, default=1, metavar="K",
                   help="frames per observation (default: 1)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a dataset of that id (by default it is an error)")
    p.add_argument("--description", default=None, help="the dataset's description "
                   "(default: the game, MAME version, observations and number of recordings)")
    p.add_argument("--author", default=None, help="the dataset's author, for its metadata")
    add_roms(p)
    add_json(p)
    add_progress(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..tools.datasets import (
        check_dataset_id,
        dataset_path,
        export_minari,
        load_recordings,
        require_minari,
    )

    try:
        require_minari()
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    check_dataset_id(args.dataset_id)  # bad input exits 2 before any MAME starts
    loaded = load_recordings(args.recordings)
    options: dict[str, Any] = {
        key: value for key, value in (("obs_type", args.obs_type), ("resize", args.resize),
                                      ("interpolation", args.interpolation))
        if value is not None}
    total = sum(recording.steps for _, recording in loaded)
    bar = progress(range(total), total=total, desc="steps", enabled=args.progress)
    started = time.perf_counter()
    dataset = run(export_minari([recording for _, recording in loaded], args.dataset_id,
                                frame_stack=args.frame_stack, overwrite=args.overwrite,
                                roms_path=args.roms, description=args.description,
                                author=args.author, on_step=lambda: next(bar), **options))
    seconds = time.perf_counter() - started
    next(bar, None)  # the bar's end: it closes
    where = dataset_path(dataset.id)
    space = dataset.observation_space
    if args.json:
        print_json({"id": dataset.id, "episodes": dataset.total_episodes,
                    "steps": dataset.total_steps, "game": loaded[0][1].game,
                    "observation_shape": list(space.shape), "observation_dtype": str(space.dtype),
                    "action_space": str(dataset.action_space),
                    "path": where, "files": args.recordings,
                    "seconds": round(seconds, 3)})
    else:
        print(f"{dataset.id}: {dataset.total_episodes} episodes, {dataset.total_steps} steps "
              f"of {loaded[0][1].game}, observations {tuple(space.shape)} {space.dtype}, in "
              f"{seconds:.1f} s; written to {where}")
    return 0
