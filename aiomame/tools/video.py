"""Frames to an animated GIF or an MP4 at the game's real speed, streamed in constant memory.

:func:`open_video` picks the writer by the file's suffix; ``add(frame)`` each frame
(RGB ``(H, W, 3)``, grayscale ``(H, W)`` or aiomame's BGRA ``(H, W, 4)``), ``close()`` at
the end (or use ``with``). The file appears whole at ``close()`` (written under a
``.partial`` name until then); ``abort()`` drops it. :func:`export` replays a recording
into one or more of them.

- **MP4** (H.264, yuv420p, plays everywhere): frames go down a pipe to the static ffmpeg of
  ``imageio-ffmpeg`` (``pip install ".[video]"``), at exactly ``fps`` frames per
  second. Frames are enlarged ``scale`` times by nearest neighbour (crisp pixels) and padded
  to even sizes, as yuv420p needs.
- **GIF**: written frame by frame, so any episode length takes constant memory (Pillow's
  own multi-frame save keeps every frame until the end: a 10,000-step episode would need
  gigabytes). Each frame is only the rectangle that changed, with its own palette (exact
  up to 256 colours; more are quantised). GIF delays are whole centiseconds, and browsers
  show delays under 2 cs as 10 cs: each frame's delay is the difference of its rounded
  start and end times, so the total stays the real duration, and frames that would be shown
  for less than 2 cs (above 50 steps/s) are dropped. Identical frames merge into one.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from ..checks import check_path, is_int
from ..errors import InvalidArgumentError, SetupError
from ..extras import install

if TYPE_CHECKING:
    from ..episodes.env import GameEnv
    from .recording import Divergence, Recording

FORMATS = ("gif", "mp4")
VIDEO_EXTRA_HINT = f"MP4 export needs imageio-ffmpeg: {install('video')}"


class VideoDependencyError(SetupError):
    """What a video format needs is not installed (MP4: imageio-ffmpeg)."""


def steps_per_second(env: GameEnv) -> float:
    """The game's real speed in steps: its screen's refresh rate / the frame ratio."""
    emulator = env.emulator
    screen = emulator.info["screens"][max(0, getattr(emulator, "_screen_index", 0))]
    return float(screen["refresh"]) / emulator.frame_ratio


def check_format(path: str | os.PathLike[str]) -> str:
    """The format of ``path`` by its suffix (``gif`` or ``mp4``), checking that its folder
    exists and, for MP4, that imageio-ffmpeg is installed (:class:`VideoDependencyError`)."""
    check_path("path", path)
    kind = Path(path).suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise InvalidArgumentError(f"{os.fspath(path)!r}: a video file name ends in .gif or "
                                   ".mp4")
    if not Path(path).resolve().parent.is_dir():
        raise InvalidArgumentError(f"{os.fspath(path)!r}: no such folder to write it in")
    if kind == "mp4":
        _imageio_ffmpeg()
    return kind


def _imageio_ffmpeg() -> Any:
    try:
        import imageio_ffmpeg
    except ImportError:
        raise VideoDependencyError(VIDEO_EXTRA_HINT) from None
    return imageio_ffmpeg


def to_rgb(frame: np.ndarray) -> np.ndarray:
    """An observation's frame as RGB ``(H, W, 3)``: grayscale is repeated, BGRA reordered."""
    if frame.ndim == 2:
        return np.repeat(frame[:, :, None], 3, axis=2)
    if frame.ndim == 3 and frame.shape[2] == 3:
        return frame
    if frame.ndim == 3 and frame.shape[2] == 4:
        return frame[:, :, 2::-1]
    raise InvalidArgumentError(f"a frame is (H, W), (H, W, 3) or (H, W, 4), got {frame.shape}")


def _scaled(frame: np.ndarray, scale: int) -> np.ndarray:
    if scale == 1:
        return np.ascontiguousarray(frame)
    return cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)


class VideoWriter:
    """Writes frames to ``path`` at ``fps`` frames per second (see :func:`open_video`)."""

    def __init__(self, path: str | os.PathLike[str], fps: float, scale: int = 2) -> None:
        check_path("path", path)
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not fps > 0:
            raise InvalidArgumentError(f"fps must be > 0, got {fps!r}")
        if not is_int(scale) or scale < 1:
            raise InvalidArgumentError(f"scale must be an int >= 1, got {scale!r}")
        self.path = Path(path)
        self.partial = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        self.fps = float(fps)
        self.scale = scale
        self.frames = 0
        """Frames added."""
        self.closed = False
        self._shape: tuple[int, ...] | None = None  # (height, width): the first frame's

    @property
    def seconds(self) -> float:
        """The duration of the frames added, at ``fps``."""
        return self.frames / self.fps

    def add(self, frame: np.ndarray) -> None:
        """Append one frame (shown for 1/fps seconds). The first frame sets the video's
        size; a frame of another size (a game that switched video modes) is scaled to it."""
        if self.closed:
            raise InvalidArgumentError(f"{self.path}: the video is closed")
        frame = np.asarray(frame)
        if frame.dtype != np.uint8:
            raise InvalidArgumentError(f"a frame is uint8, got {frame.dtype}")
        rgb = to_rgb(frame)
        if self._shape is None:
            self._shape = rgb.shape[:2]
        elif rgb.shape[:2] != self._shape:
            height, width = self._shape
            rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
        self._add(rgb)
        self.frames += 1

    def close(self) -> Path:
        """Finish the file and move it to ``path`` (nothing if no frame was added);
        returns ``path``."""
        if not self.closed:
            self.closed = True
            try:
                self._finish()
            except BaseException:
                self.partial.unlink(missing_ok=True)
                raise
            if self.frames:
                os.replace(self.partial, self.path)
            else:
                self.partial.unlink(missing_ok=True)
        return self.path

    def abort(self) -> None:
        """Stop, leaving no file (an existing ``path`` is kept as it was)."""
        if not self.closed:
            self.closed = True
            try:
                self._finish()
            finally:
                self.partial.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def _add(self, frame: np.ndarray) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        raise NotImplementedError


class Mp4Writer(VideoWriter):
    """H.264 MP4 through imageio-ffmpeg's ffmpeg (``crf``: 0 lossless .. 51 worst)."""

    def __init__(self, path: str | os.PathLike[str], fps: float, scale: int = 2,
                 crf: int = 20) -> None:
        super().__init__(path, fps, scale)
        if not is_int(crf) or not 0 <= crf <= 51:
            raise InvalidArgumentError(f"crf must be an int in 0..51, got {crf!r}")
        self._ffmpeg = _imageio_ffmpeg()
        self.crf = crf
        self._pipe: Any = None
        self._size: tuple[int, int] | None = None

    def _add(self, frame: np.ndarray) -> None:
        image = _scaled(frame, self.scale)
        height, width = image.shape[:2]
        if self._pipe is None:
            self._size = (width + width % 2, height + height % 2)
            self._pipe = self._ffmpeg.write_frames(
                os.fspath(self.partial), self._size, fps=self.fps, codec="libx264",
                pix_fmt_in="rgb24", pix_fmt_out="yuv420p", quality=None,
                macro_block_size=1, ffmpeg_log_level="error",
                output_params=["-crf", str(self.crf), "-preset", "fast", "-f", "mp4",
                               "-movflags", "+faststart"])
            self._pipe.send(None)
        if width % 2 or height % 2:
            image = cv2.copyMakeBorder(image, 0, height % 2, 0, width % 2,
                                       cv2.BORDER_REPLICATE)
        self._pipe.send(np.ascontiguousarray(image))

    def _finish(self) -> None:
        if self._pipe is not None:
            self._pipe.close()  # waits for ffmpeg to write the file


class GifWriter(VideoWriter):
    """An animated GIF written frame by frame (see the module docstring); ``loop`` 0
    repeats forever."""

    MIN_DELAY = 2
    """Centiseconds: browsers show shorter delays as 10 cs."""

    def __init__(self, path: str | os.PathLike[str], fps: float, scale: int = 2,
                 loop: int = 0) -> None:
        super().__init__(path, fps, scale)
        if not is_int(loop) or not 0 <= loop <= 0xFFFF:
            raise InvalidArgumentError(f"loop must be an int in 0..65535 (0: forever), got "
                                       f"{loop!r}")
        self.loop = loop
        self.written = 0
        """Frames in the file (after merging and dropping)."""
        self._file: io.BufferedWriter | None = None
        self._shown: np.ndarray | None = None  # the canvas after the pending frame
        self._pending: tuple[bytes, int] | None = None  # its encoded image, start (cs)

    def _centiseconds(self, frames: int) -> int:
        return round(frames * 100 / self.fps)

    def _add(self, frame: np.ndarray) -> None:
        start = self._centiseconds(self.frames)
        if self._shown is None:
            height, width = frame.shape[:2]
            self._file = open(self.partial, "wb")  # noqa: SIM115 - closed in _finish
            self._file.write(_gif_header(width * self.scale, height * self.scale, self.loop))
            self._shown = frame.copy()
            self._pending = (self._encode(frame, 0, 0), start)
            return
        assert self._pending is not None
        height, width = frame.shape[:2]
        diff = cv2.absdiff(np.ascontiguousarray(frame).reshape(height, width * 3),
                           self._shown.reshape(height, width * 3))
        rows = np.flatnonzero(cv2.reduce(diff, 1, cv2.REDUCE_MAX))
        if not len(rows) or start - self._pending[1] < self.MIN_DELAY:
            return  # the same picture, or too soon after the last one: shown longer
        cols = np.flatnonzero(cv2.reduce(diff, 0, cv2.REDUCE_MAX).reshape(width, 3).max(1))
        top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        self._flush(start)
        self._shown[top:bottom, left:right] = frame[top:bottom, left:right]
        self._pending = (self._encode(frame[top:bottom, left:right], left, top), start)

    def _encode(self, rect: np.ndarray, x: int, y: int) -> bytes:
        """Image descriptor, local palette and LZW data of ``rect`` at (x, y), scaled."""
        from PIL import Image

        packed = (rect[:, :, 0].astype(np.uint32) << 16 | rect[:, :, 1].astype(np.uint32) << 8
                  | rect[:, :, 2])
        colours, indices = np.unique(packed, return_inverse=True)
        if len(colours) <= 256:
            indices = _scaled(indices.astype(np.uint8).reshape(rect.shape[:2]), self.scale)
            height, width = indices.shape
            picture = Image.frombytes("P", (width, height), indices.tobytes())
            palette = np.stack([colours >> 16, colours >> 8 & 255, colours & 255], axis=1)
            picture.putpalette(palette.astype(np.uint8).tobytes())
        else:
            picture = Image.fromarray(_scaled(rect, self.scale)).quantize(
                256, method=Image.Quantize.FASTOCTREE)
        buffer = io.BytesIO()
        picture.save(buffer, "GIF", interlace=False, optimize=False)
        return _image_block(buffer.getvalue(), x * self.scale, y * self.scale)

    def _flush(self, end: int) -> None:
        """Write the pending frame, shown until ``end`` (cs)."""
        assert self._file is not None and self._pending is not None
        block, start = self._pending
        delay = max(self.MIN_DELAY, end - start)
        # Graphic control extension: disposal 1 (keep the canvas), the delay.
        self._file.write(b"\x21\xf9\x04\x04" + struct.pack("<H", delay) + b"\x00\x00" + block)
        self.written += 1
        self._pending = None

    def _finish(self) -> None:
        if self._file is None:
            return
        try:
            if self._pending is not None:
                self._flush(self._centiseconds(self.frames))
            self._file.write(b"\x3b")  # trailer
        finally:
            self._file.close()


def _gif_header(width: int, height: int, loop: int) -> bytes:
    """GIF89a, the logical screen (a 2-colour global palette, black), the loop count."""
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0) + bytes(6)
    netscape = b"\x21\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", loop) + b"\x00"
    return b"GIF89a" + screen + netscape


def _skip_blocks(data: bytes, at: int) -> int:
    while data[at]:
        at += data[at] + 1
    return at + 1


def _image_block(gif: bytes, x: int, y: int) -> bytes:
    """The first image of a one-frame GIF (as Pillow writes it) as a frame at (x, y) with
    its palette as the local colour table."""
    flags = gif[10]
    at = 13
    table, bits = b"", 0
    if flags & 0x80:
        bits = flags & 7
        table = gif[at:at + (3 << (bits + 1))]
        at += len(table)
    while gif[at] == 0x21:  # extensions
        at = _skip_blocks(gif, at + 2)
    if gif[at] != 0x2C:
        raise ValueError("no image in the GIF Pillow wrote")
    width, height, image_flags = struct.unpack_from("<HHB", gif, at + 5)
    at += 10
    if image_flags & 0x80:  # its own local table
        bits = image_flags & 7
        table = gif[at:at + (3 << (bits + 1))]
        at += len(table)
    end = _skip_blocks(gif, at + 1)  # LZW minimum code size, then the data sub-blocks
    descriptor = b"\x2c" + struct.pack("<HHHHB", x, y, width, height,
                                       0x80 | (image_flags & 0x40) | bits)
    return descriptor + table + gif[at:end]


def open_video(path: str | os.PathLike[str], fps: float, scale: int = 2) -> VideoWriter:
    """A :class:`GifWriter` or :class:`Mp4Writer` for ``path``, by its suffix."""
    kind = check_format(path)
    return GifWriter(path, fps, scale) if kind == "gif" else Mp4Writer(path, fps, scale)


async def export(recording: Recording | str | os.PathLike[str],
                 paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
                 *, scale: int = 2, strict: bool = False, **options: Any
                 ) -> Divergence | None:
    """Replay ``recording`` into a video at each of ``paths`` (``.gif`` or ``.mp4``) at the
    game's real speed, in RGB at the screen's size unless ``options`` (for
    :func:`~aiomame.tools.recording.replay_env`) say otherwise. Returns the replay's first
    divergence (None: identical); ``strict`` raises it instead (no file is then written)."""
    from .recording import Recording

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for path in paths:
        check_format(path)
    if not isinstance(recording, Recording):
        recording = Recording.load(recording)
    options = {"obs_type": "rgb", "resize": None, **options}
    writers = [open_video(path, recording.steps_per_second, scale) for path in paths]
    return (await replay_into(recording, writers, strict=strict, **options))[2]


async def replay_into(recording: Recording, writers: Sequence[VideoWriter], *,
                      strict: bool = False, **options: Any
                      ) -> tuple[int, Any, Divergence | None]:
    """Replay ``recording`` (``options`` for :func:`~aiomame.tools.recording.replay_env`) into
    ``writers``, closed at the end (dropped on an error); the steps replayed, the score
    (an array of one per player when the recording holds every player's actions) and the
    first divergence."""
    import contextlib

    from .recording import replay

    steps, score, first = 0, 0.0, None
    try:
        async with contextlib.aclosing(replay(recording, strict=strict, **options)) as replayed:
            async for step in replayed:
                for writer in writers:
                    writer.add(step.obs)
                steps, score = step.step, score + step.reward
                first = first or step.divergence
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    for writer in writers:
        writer.close()
    return steps, score, first
