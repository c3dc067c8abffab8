"""The Python CPU of one frame conversion (``FrameConverter.convert``), in µs per frame.

    python benchmarks/frame_convert.py                # every screen x observation
    python benchmarks/frame_convert.py --quality      # + each resize against a plain reference
    python benchmarks/frame_convert.py --batch        # N frames in one call against N calls
    python benchmarks/frame_convert.py --in-pool 8    # + in a real pool: 16 catch MAMEs, 8 s each
    python benchmarks/frame_convert.py --threads 2    # + a batch over 2 threads against one

Screens (unrotated width x height, clockwise rotation): catch 260x224 rotated 90 (the bundled
game, whose own screen turns 270), a galaxian-like 768x224 rotated 90, 320x224 and 256x224
rotated 270. Observations: rgb, bgra (into an ``out`` buffer, as the pool converts), grayscale,
and 84x84 grayscale with each interpolation (plus 84x84 RGB with area). Frames look like a
game's: sprites and text in a few colours on black, one-pixel lines (speed does not depend on
content; ``--quality`` also uses random bytes, the worst case for a resize's rounding).

Two timings, each the best of ``--rounds`` of ``time.process_time`` over ``--reps`` conversions:
``hot``, one frame converted again and again (it stays in the core's cache), and ``pool``,
16 frames and 16 output buffers in turn. OpenCV runs on one thread, as aiomame sets it.

Both flatter what a step costs: there MAME has just written the frame on another core, so the
first read of it misses the caches, and 16 MAMEs sharing the cores evict the converter's own
arrays. ``--in-pool SECONDS`` measures that: an EnvPool of 16 catch envs steps for SECONDS per
observation, and each ``FrameConverter.convert`` is timed (thread CPU time) where it runs.
Plans that read the frame in memory order (a colour conversion first) do best there; a gather
or resize straight from the fresh frame waits on the memory, which the hot timings hide.

``--quality`` prints, for each resize, the largest and the mean difference in grey levels (or
colour levels) to the observation made plainly: numpy's rotation and flips, OpenCV's colour
conversion, then ``cv2.resize`` of the oriented picture.

``--batch`` measures what one call over a whole batch of frames (N, H, W, 4) in one buffer
saves against one call per frame, for the colour conversion, the rotation and a whole 84x84
grey conversion.

``--threads N`` converts a batch of 16 frames on one thread and over N threads (a
``ThreadPoolExecutor``, each thread a share of the batch; OpenCV releases the GIL), and
prints both the wall time and the process CPU time (all threads) per frame: threads can only
cut the wall time where cores are idle, and the CPU per frame is what carries over to a
machine whose cores are busy with MAMEs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from aiomame.machine.frames import INTERPOLATIONS, FrameConverter, ObsSpec

SCREENS = [  # name, width, height, rotation
    ("catch", 260, 224, 90),
    ("galaxian-like", 768, 224, 90),
    ("320x224", 320, 224, 0),
    ("256x224 r270", 256, 224, 270),
]
OBSERVATIONS = [  # name, spec, into an out buffer
    ("rgb", ObsSpec("rgb"), True),
    ("bgra", ObsSpec("bgra"), True),
    ("gray", ObsSpec("grayscale"), True),
    ("gray 84 area", ObsSpec("grayscale", (84, 84), "area"), True),
    ("gray 84 linear", ObsSpec("grayscale", (84, 84), "linear"), True),
    ("gray 84 nearest", ObsSpec("grayscale", (84, 84), "nearest"), True),
    ("rgb 84 area", ObsSpec("rgb", (84, 84), "area"), True),
]
POOL = 16


def game_frame(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A (height, width, 4) B,G,R,A frame like an arcade game's: black, a few colours."""
    frame = np.zeros((height, width, 4), np.uint8)
    frame[..., 3] = 255
    palette = rng.integers(0, 256, (8, 3), dtype=np.uint8)
    for _ in range(40):  # sprites: 8x8 to 16x16 blocks, some holes
        h, w = rng.integers(8, 17, 2)
        y, x = rng.integers(0, height - h), rng.integers(0, width - w)
        mask = rng.random((h, w)) < 0.7
        frame[y:y + h, x:x + w, :3][mask] = palette[rng.integers(8)]
    for _ in range(6):  # text: rows of 1-pixel strokes
        y, x = rng.integers(0, height - 8), rng.integers(0, width - 64)
        mask = rng.random((7, 64)) < 0.4
        frame[y:y + 7, x:x + 64, :3][mask] = palette[rng.integers(8)]
    frame[10, :, :3] = 255  # one-pixel lines, as catch draws them
    frame[height - 12, :, :3] = 255
    return frame


def best_us(convert: Callable[[int], object], reps: int, rounds: int) -> float:
    """The best, over ``rounds``, of the mean process time of ``convert(i)`` for i < reps."""
    for i in range(POOL):
        convert(i)
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for i in range(reps):
            convert(i)
        best = min(best, time.process_time() - start)
    return best / reps * 1e6


def warm_up(seconds: float = 0.5) -> None:
    """Spin so that the core runs at its working clock before the first timing."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def in_turn(conv: FrameConverter, frames: list[np.ndarray], outs: list[np.ndarray | None],
            width: int, height: int) -> Callable[[int], object]:
    """A conversion of the frames in turn, each into its own buffer."""
    def convert(i: int) -> object:
        k = i % len(frames)
        return conv.convert(frames[k], width, height, outs[k])
    return convert


def timings(reps: int, rounds: int) -> None:
    rng = np.random.default_rng(0)
    print(f"µs per conversion, best of {rounds} x {reps}; hot: one frame, pool: {POOL} in turn")
    print(f"{'screen':<15} {'observation':<16} {'shape':<14} {'hot':>7} {'pool':>7}")
    for name, width, height, rotation in SCREENS:
        frames = [game_frame(width, height, rng).reshape(-1) for _ in range(POOL)]
        for obs, spec, into in OBSERVATIONS:
            conv = FrameConverter(rotation, spec=spec)
            shape = conv.shape(width, height)
            outs = [np.empty(shape, np.uint8) if into else None for _ in range(POOL)]
            row = [best_us(in_turn(conv, frames[:n], outs[:n], width, height), reps, rounds)
                   for n in (1, POOL)]
            print(f"{name:<15} {obs:<16} {'x'.join(map(str, shape)):<14} "
                  f"{row[0]:7.1f} {row[1]:7.1f}", flush=True)


def reference(raw: np.ndarray, width: int, height: int, rotation: int,
              spec: ObsSpec) -> np.ndarray:
    """The observation made plainly: numpy orients, OpenCV converts, then resizes."""
    view = np.ascontiguousarray(np.rot90(raw.reshape(height, width, 4), k=-rotation // 90))
    code = {"rgb": cv2.COLOR_BGRA2RGB, "grayscale": cv2.COLOR_BGRA2GRAY}.get(spec.obs_type)
    image = view if code is None else cv2.cvtColor(view, code)
    if spec.resize is not None:
        h, w = spec.resize
        image = cv2.resize(image, (w, h), interpolation=INTERPOLATIONS[spec.interpolation])
    return image


def quality() -> None:
    rng = np.random.default_rng(1)
    print("\ndifference to the plain reference (max / mean, levels), 8 frames each")
    print(f"{'screen':<15} {'observation':<16} {'game-like':>16} {'random bytes':>16}")
    for name, width, height, rotation in SCREENS:
        for obs, spec, _ in OBSERVATIONS:
            conv = FrameConverter(rotation, spec=spec)
            cells = []
            for frames in ([game_frame(width, height, rng) for _ in range(8)],
                           [rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
                            for _ in range(8)]):
                diffs = [np.abs(conv.convert(raw.reshape(-1), width, height).astype(int)
                                - reference(raw, width, height, rotation, spec))
                         for raw in frames]
                cells.append(f"{max(d.max() for d in diffs)} / "
                             f"{np.mean([d.mean() for d in diffs]):.4f}")
            print(f"{name:<15} {obs:<16} {cells[0]:>16} {cells[1]:>16}")


def batch(reps: int, rounds: int) -> None:
    """One call over N frames in one buffer against N calls, for catch's screen."""
    _, width, height, rotation = SCREENS[0]
    rng = np.random.default_rng(2)
    n = POOL
    frames = np.stack([game_frame(width, height, rng) for _ in range(n)])  # (n, h, w, 4)
    flat = frames.reshape(n * height, width, 4)
    rgb = np.empty((n, height, width, 3), np.uint8)
    rgb_flat = rgb.reshape(n * height, width, 3)
    rotated = np.empty((n, width, height, 4), np.uint8)
    gray = np.empty((n, height, width), np.uint8)
    conv = FrameConverter(rotation, spec=ObsSpec("grayscale", (84, 84)))
    small = np.empty((n, 84, 84), np.uint8)
    rot_code = cv2.ROTATE_90_CLOCKWISE
    cases = {
        "cvtColor BGRA2RGB, per frame": lambda: [
            cv2.cvtColor(frames[i], cv2.COLOR_BGRA2RGB, dst=rgb[i]) for i in range(n)],
        "cvtColor BGRA2RGB, one call": lambda: cv2.cvtColor(
            flat, cv2.COLOR_BGRA2RGB, dst=rgb_flat),
        "cvtColor BGRA2GRAY, per frame": lambda: [
            cv2.cvtColor(frames[i], cv2.COLOR_BGRA2GRAY, dst=gray[i]) for i in range(n)],
        "cvtColor BGRA2GRAY, one call": lambda: cv2.cvtColor(
            flat, cv2.COLOR_BGRA2GRAY, dst=gray.reshape(n * height, width)),
        "cv2.rotate 90, per frame": lambda: [
            cv2.rotate(frames[i], rot_code, dst=rotated[i]) for i in range(n)],
        "np.rot90 copy (uint32), one call": lambda: np.copyto(
            rotated.view(np.uint32)[..., 0],
            np.rot90(frames.view(np.uint32)[..., 0], k=-1, axes=(1, 2))),
        "convert gray 84x84 area, per frame": lambda: [
            conv.convert(frames[i].reshape(-1), width, height, small[i]) for i in range(n)],
    }
    print(f"\nbatch of {n} catch frames ({width}x{height}, rotated {rotation}): "
          f"µs per frame, best of {rounds}")
    for label, call in cases.items():
        us = best_us(lambda _i, call=call: call(), max(reps // n, 5), rounds) / n
        print(f"  {label:<36} {us:7.1f}")


def threaded(threads: int, reps: int, rounds: int) -> None:
    """A batch of POOL catch frames converted on one thread and over ``threads``."""
    _, width, height, rotation = SCREENS[0]
    rng = np.random.default_rng(3)
    frames = [game_frame(width, height, rng).reshape(-1) for _ in range(POOL)]
    print(f"\nbatch of {POOL} catch frames on 1 thread and over {threads}: µs per frame, "
          f"best of {rounds} (wall / process CPU, all threads)")
    shares = [range(t, POOL, threads) for t in range(threads)]
    with ThreadPoolExecutor(threads) as executor:
        for obs, spec, _ in OBSERVATIONS:
            conv = FrameConverter(rotation, spec=spec)
            outs = [np.empty(conv.shape(width, height), np.uint8) for _ in range(POOL)]

            def part(ks: range, conv: FrameConverter = conv,
                     outs: list[np.ndarray] = outs) -> None:
                for k in ks:
                    conv.convert(frames[k], width, height, outs[k])

            cases = {1: lambda part=part: part(range(POOL)),
                     threads: lambda part=part: list(executor.map(part, shares))}
            cells = []
            for call in cases.values():
                best_wall = best_cpu = float("inf")
                for _ in range(rounds):
                    wall, cpu = time.perf_counter(), time.process_time()
                    for _ in range(max(reps // POOL, 5)):
                        call()
                    best_wall = min(best_wall, time.perf_counter() - wall)
                    best_cpu = min(best_cpu, time.process_time() - cpu)
                per = max(reps // POOL, 5) * POOL
                cells.append(f"{best_wall / per * 1e6:6.1f} / {best_cpu / per * 1e6:6.1f}")
            print(f"  {obs:<16} 1 thread {cells[0]}   {threads} threads {cells[1]}", flush=True)


def in_pool(seconds: float) -> None:
    """Each observation in a real pool: 16 catch MAMEs, ``convert`` timed where it runs."""
    from aiomame.machine import frames
    from aiomame.pools.pool import EnvPool
    from aiomame.runner import run

    spent: list[int] = []
    convert = frames.FrameConverter.convert

    def timed(self: FrameConverter, *args: object, **kwargs: object) -> np.ndarray:
        start = time.thread_time_ns()
        try:
            return convert(self, *args, **kwargs)
        finally:
            spent.append(time.thread_time_ns() - start)

    async def steps(options: dict[str, object]) -> None:
        async with EnvPool("catch", POOL, **options) as pool:
            await pool.reset(seed=0)
            rng = np.random.default_rng(0)
            for _ in range(30):  # past the start's first frames
                await pool.step(rng.integers(3, size=POOL))
            spent.clear()
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                await pool.step(rng.integers(3, size=POOL))

    print(f"\nin a pool of {POOL} catch envs (260x224 rotated 270), {seconds:g} s each: "
          "µs per convert")
    frames.FrameConverter.convert = timed  # type: ignore[method-assign]
    try:
        for obs, spec, _ in OBSERVATIONS:
            options = {"obs_type": spec.obs_type, "resize": spec.resize,
                       "interpolation": spec.interpolation}
            run(steps(options))
            us = np.array(spent) / 1e3
            print(f"  {obs:<16} mean {us.mean():6.1f}  median {np.median(us):6.1f}  "
                  f"({len(us)} frames)", flush=True)
    finally:
        frames.FrameConverter.convert = convert  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=400, help="conversions per round")
    parser.add_argument("--rounds", type=int, default=7, help="rounds; the best is shown")
    parser.add_argument("--quality", action="store_true", help="also resize differences")
    parser.add_argument("--batch", action="store_true", help="also whole-batch calls")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="also a batch over N threads against one")
    parser.add_argument("--in-pool", type=float, metavar="SECONDS",
                        help="also time each observation in a pool of 16 catch MAMEs")
    args = parser.parse_args()
    print(f"OpenCV {cv2.__version__}, numpy {np.__version__}, "
          f"{cv2.getNumThreads()} OpenCV thread(s)")
    warm_up()
    timings(args.reps, args.rounds)
    if args.quality:
        quality()
    if args.batch:
        batch(args.reps, args.rounds)
    if args.threads:
        threaded(args.threads, args.reps, args.rounds)
    if args.in_pool:
        in_pool(args.in_pool)


if __name__ == "__main__":
    main()
