"""The first demo: a random agent plays the bundled game, one MAME, episode after episode.

    python examples/random_agent.py                    # 3 episodes of catch
    python examples/random_agent.py --episodes 10 --seed 1
    python examples/random_agent.py GAME --roms DIR    # any registered game

Each step holds one of the game's actions for ``frame_ratio`` frames and returns the frame
(a numpy array), the reward, whether the game ended, and the memory values the game
definition reads.
"""

from __future__ import annotations

import argparse
import random

from aiomame import GameEnv, run


async def play(game: str, episodes: int, seed: int | None, roms: str | None,
               max_steps: int) -> list[float]:
    """``episodes`` episodes of random actions; the score of each."""
    rng = random.Random(seed)
    scores = []
    async with GameEnv(game, roms_path=roms, max_episode_steps=max_steps) as env:
        print(f"{game}: frames {env.obs_shape}, actions {env.action_names}")
        for episode in range(episodes):
            await env.reset(seed=None if seed is None else seed + episode)
            score, steps, done = 0.0, 0, False
            while not done:
                action = rng.randrange(len(env.action_names))
                # the frame (numpy, uint8) and memory values: unused by a random agent
                _frame, reward, terminated, truncated, _info = await env.step(action)
                score += reward
                steps += 1
                done = terminated or truncated
            scores.append(score)
            why = "game over" if terminated else "step limit"
            print(f"episode {episode + 1}: score {score:g} after {steps} steps ({why})")
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("game", nargs="?", default="catch",
                        help="a registered game (python -m aiomame games); default: catch")
    parser.add_argument("--roms", help="ROM path (default: the game's bundled ROMs)")
    parser.add_argument("--episodes", type=int, default=3, help="episodes to play (default 3)")
    parser.add_argument("--seed", type=int, help="seed of the first episode and of the agent")
    parser.add_argument("--max-steps", type=int, default=5000,
                        help="end an episode after this many steps (default 5000)")
    args = parser.parse_args()
    scores = run(play(args.game, args.episodes, args.seed, args.roms, args.max_steps))
    print(f"mean score {sum(scores) / len(scores):g} over {len(scores)} episodes")


if __name__ == "__main__":
    main()
