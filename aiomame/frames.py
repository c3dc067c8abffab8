"""From MAME's raw screen pixels to observations: orientation, colour, size.

MAME gives a screen as unrotated B,G,R,A pixels plus its orientation (a clockwise rotation
of 0, 90, 180 or 270 degrees, then flips). :class:`FrameConverter` turns them into what you
asked for with :class:`ObsSpec`, in OpenCV (each step is one to three OpenCV calls into
preallocated arrays, the last one straight into the caller's buffer):

- ``obs_type``: ``"rgb"`` (H, W, 3), as the player sees the screen; ``"grayscale"`` (H, W),
  ITU-R 601 luma as OpenCV computes it; ``"bgra"`` (H, W, 4), MAME's own pixels, oriented
  (without ``resize`` and without an ``out`` buffer, a view of MAME's frame: no copy at all,
  valid until the next step).
- ``resize=(h, w)`` with ``interpolation`` ``"area"`` (best for shrinking), ``"linear"`` or
  ``"nearest"``.

The colour conversion runs first when it shrinks the data (grayscale), an area or linear
resize before the rotation (fewer pixels to rotate); the result is the same as rotating
first, up to OpenCV's fixed-point rounding (at most 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from .errors import InvalidArgumentError, ProtocolError, invalid_choice, is_int

OBS_TYPES = ("rgb", "grayscale", "bgra")
INTERPOLATIONS = {"area": cv2.INTER_AREA, "linear": cv2.INTER_LINEAR,
                  "nearest": cv2.INTER_NEAREST}
_ROTATE = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180,
           270: cv2.ROTATE_90_COUNTERCLOCKWISE}
_CHANNELS = {"rgb": 3, "grayscale": 1, "bgra": 4}

# Many MAMEs already fill the cores: OpenCV's own worker threads only add contention (and
# on frames this small one thread is as fast). Process-wide; call cv2.setNumThreads to undo.
cv2.setNumThreads(1)


@dataclass(frozen=True)
class ObsSpec:
    """What an observation is: colour, size, and how many frames are stacked."""

    obs_type: str = "rgb"
    resize: tuple[int, int] | None = None
    interpolation: str = "area"
    frame_stack: int = 1

    def __post_init__(self) -> None:
        if self.obs_type not in OBS_TYPES:
            raise invalid_choice("obs_type", self.obs_type, OBS_TYPES)
        if self.resize is not None:
            size = self.resize
            if not (isinstance(size, (tuple, list)) and len(size) == 2
                    and all(is_int(n) and n >= 1 for n in size)):
                raise InvalidArgumentError(
                    f"resize must be (height, width), two ints >= 1, or None; got {size!r}")
            object.__setattr__(self, "resize", (int(size[0]), int(size[1])))
        if self.interpolation not in INTERPOLATIONS:
            raise invalid_choice("interpolation", self.interpolation, INTERPOLATIONS)
        if not is_int(self.frame_stack) or self.frame_stack < 1:
            raise InvalidArgumentError(
                f"frame_stack must be an int >= 1, got {self.frame_stack!r}")

    def frame_shape(self, width: int, height: int, rotation: int) -> tuple[int, ...]:
        """The shape of one observed frame of a ``width`` x ``height`` screen bitmap."""
        if self.resize is not None:
            height, width = self.resize
        elif rotation in (90, 270):
            width, height = height, width
        channels = _CHANNELS[self.obs_type]
        return (height, width) if channels == 1 else (height, width, channels)


class FrameConverter:
    """Raw B,G,R,A pixels of one screen → observations as :class:`ObsSpec` says."""

    def __init__(self, rotation: int = 0, flipx: bool = False, flipy: bool = False,
                 spec: ObsSpec | None = None) -> None:
        if rotation not in (0, 90, 180, 270):
            raise ProtocolError(f"screen rotation {rotation!r} is not one of 0, 90, 180, 270")
        self.rotation, self.flipx, self.flipy = rotation, flipx, flipy
        self.spec = spec or ObsSpec()
        # The plan for the last screen size: OpenCV calls and the arrays between them.
        self._size: tuple[int, int] | None = None
        self._shape: tuple[int, ...] = ()
        self._steps: list[tuple[Callable[[np.ndarray, np.ndarray], None], np.ndarray]] = []
        self._last: Callable[[np.ndarray, np.ndarray], None] = np.copyto

    def shape(self, width: int, height: int) -> tuple[int, ...]:
        """The shape of one observed frame of a ``width`` x ``height`` screen bitmap."""
        return self.spec.frame_shape(width, height, self.rotation)

    def _make_plan(self, width: int, height: int
                   ) -> tuple[list[Callable[[np.ndarray, np.ndarray], None]],
                              list[np.ndarray]]:
        """The OpenCV calls from raw pixels to the observation, and the arrays between them
        (one fewer than calls: the last call writes into the output)."""
        spec, swap = self.spec, self.rotation in (90, 270)
        channels = _CHANNELS[spec.obs_type]
        calls: list[Callable[[np.ndarray, np.ndarray], None]] = []
        shapes: list[tuple[int, ...]] = []

        def add(call: Callable[[np.ndarray, np.ndarray], None], shape: tuple[int, ...]) -> None:
            calls.append(call)
            shapes.append(shape)

        def with_channels(h: int, w: int, c: int) -> tuple[int, ...]:
            return (h, w) if c == 1 else (h, w, c)

        h, w, c = height, width, 4
        colour = {"rgb": cv2.COLOR_BGRA2RGB, "grayscale": cv2.COLOR_BGRA2GRAY}.get(spec.obs_type)
        # Rotating 4 bytes per pixel then converting beats converting then rotating 3.
        colour_first = colour is not None and (channels == 1 or spec.resize is not None
                                                or not (self.rotation or self.flipx
                                                        or self.flipy))
        if colour_first:
            add(lambda s, d, code=colour: cv2.cvtColor(s, code, dst=d),
                with_channels(h, w, channels))
            c = channels
        how = INTERPOLATIONS[spec.interpolation]
        # Shrinking first leaves fewer pixels to rotate, and area and linear sampling are
        # symmetric; nearest is not (it rounds one way), so it samples the oriented picture.
        resize_first = spec.resize is not None and spec.interpolation != "nearest"
        if resize_first:
            rh, rw = spec.resize
            h, w = (rw, rh) if swap else (rh, rw)  # resize in the unrotated frame
            add(lambda s, d, size=(w, h): cv2.resize(s, size, dst=d, interpolation=how),
                with_channels(h, w, c))
        if self.rotation:
            h, w = (w, h) if swap else (h, w)
            add(lambda s, d, code=_ROTATE[self.rotation]: cv2.rotate(s, code, dst=d),
                with_channels(h, w, c))
        flip = {(True, False): 1, (False, True): 0, (True, True): -1}.get(
            (self.flipx, self.flipy))
        if flip is not None:
            add(lambda s, d, code=flip: cv2.flip(s, code, dst=d), with_channels(h, w, c))
        if spec.resize is not None and not resize_first:
            h, w = spec.resize
            add(lambda s, d, size=(w, h): cv2.resize(s, size, dst=d, interpolation=how),
                with_channels(h, w, c))
        if colour is not None and not colour_first:
            add(lambda s, d, code=colour: cv2.cvtColor(s, code, dst=d),
                with_channels(h, w, channels))
        if not calls:  # bgra, as is: a plain copy
            add(lambda s, d: np.copyto(d, s), with_channels(h, w, c))
        return calls, [np.empty(shape, np.uint8) for shape in shapes[:-1]]

    def convert(self, raw: np.ndarray, width: int, height: int,
                out: np.ndarray | None = None) -> np.ndarray:
        """The observation of ``raw`` (``width * height * 4`` bytes), written into ``out``
        (allocated if None; it must have :meth:`shape`); returns it."""
        if self._size != (width, height):
            calls, temps = self._make_plan(width, height)
            self._steps, self._last = list(zip(calls[:-1], temps, strict=True)), calls[-1]
            self._size, self._shape = (width, height), self.shape(width, height)
        src = raw.reshape(height, width, 4)
        if out is None:
            if self.spec.obs_type == "bgra" and self.spec.resize is None:
                return self.oriented(src)  # no copy: a view of MAME's frame
            out = np.empty(self._shape, np.uint8)
        elif out.shape != self._shape or out.dtype != np.uint8:
            raise InvalidArgumentError(f"out is {out.dtype} {out.shape}, the observation "
                                       f"uint8 {self._shape}")
        # OpenCV writes into a destination only when it is contiguous.
        final = out if out.flags.c_contiguous else np.empty(out.shape, np.uint8)
        for call, dst in self._steps:
            call(src, dst)
            src = dst
        self._last(src, final)
        if final is not out:
            np.copyto(out, final)
        return out

    def oriented(self, bgra: np.ndarray) -> np.ndarray:
        """A view of a (H, W, 4) bitmap, or of a batch of them (..., H, W, 4), as the player
        sees it (numpy, no copy)."""
        view = bgra
        if self.rotation:
            view = np.rot90(view, k=-self.rotation // 90, axes=(-3, -2))
        if self.flipx:
            view = view[..., ::-1, :]
        if self.flipy:
            view = view[..., ::-1, :, :]
        return view
