"""MAMEToolkit's Street Fighter III 3rd Strike random agent, on aiomame.

The seed project's first demo, unchanged but for the import: ``aiomame.mametoolkit``
stands in for ``MAMEToolkit``. The ROM is never shipped: MAME needs the ROM sets
``sfiii3n`` and its parent ``sfiii3`` in the ROM path. Without them the script says which
files are missing and exits with status 2.

    python examples/sf3_random_agent.py --roms DIR            # watch it play (a window)
    python examples/sf3_random_agent.py --roms DIR --headless --steps 5000
"""

from __future__ import annotations

import argparse
import os
import random
import sys

from aiomame.errors import MissingRomsError, SetupError, UnknownGameError
from aiomame.mametoolkit.sf_environment import Environment


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--roms", default="roms/", help="ROM path holding sfiii3n and sfiii3")
    parser.add_argument("--headless", action="store_true", help="no window, no throttle")
    parser.add_argument("--steps", type=int, default=0, help="stop after this many steps "
                        "(default 0: play until interrupted, as the original did)")
    args = parser.parse_args()
    display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    try:
        env = Environment("env1", args.roms, render=display and not args.headless)
        env.start()
    except MissingRomsError as exc:
        sets = " and ".join(exc.sets or [exc.game])
        print(f"sf3_random_agent: MAME needs the ROM sets {sets} in {exc.roms_path!r} "
              f"({len(exc.files)} files are missing: {', '.join(exc.files)}); put them "
              f"there as .zip files or folders, or pass --roms DIR", file=sys.stderr)
        return 2
    except (UnknownGameError, SetupError) as exc:
        print(f"sf3_random_agent: {exc}", file=sys.stderr)
        return 2
    try:
        steps = 0
        while not args.steps or steps < args.steps:
            move_action = random.randint(0, 8)
            attack_action = random.randint(0, 9)
            _frames, _reward, round_done, stage_done, game_done = env.step(move_action,
                                                                           attack_action)
            steps += 1
            if game_done:
                env.new_game()
            elif stage_done:
                env.next_stage()
            elif round_done:
                env.next_round()
    finally:
        env.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
