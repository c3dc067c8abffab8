"""From MAME's raw screen pixels to observations: orientation, colour, size.

MAME gives a screen as unrotated B,G,R,A pixels plus its orientation (a clockwise rotation
of 0, 90, 180 or 270 degrees, then flips). :class:`FrameConverter` turns them into what you
asked for with :class:`ObsSpec`, in OpenCV (a plan of a few calls made once per screen size,
into preallocated arrays, the last one straight into the caller's buffer):

- ``obs_type``: ``"rgb"`` (H, W, 3), as the player sees the screen; ``"grayscale"`` (H, W),
  ITU-R 601 luma as OpenCV computes it; ``"bgra"`` (H, W, 4), MAME's own pixels, oriented
  (without ``resize`` and without an ``out`` buffer, a view of MAME's frame: no copy at all,
  valid until the next step).
- ``resize=(h, w)`` with ``interpolation`` ``"area"`` (best for shrinking), ``"linear"`` or
  ``"nearest"``.

Each observation is, exactly or within one level, what the plain recipe makes: orient the
picture (numpy's rot90 and flips), ``cv2.cvtColor`` it, then ``cv2.resize`` it. The plans:

- The orientation is one transpose and one flip at most, the rotation's and the screen's
  flips composed (one ``cv2.rotate`` call for a quarter turn). Without ``resize``, grey is
  converted before it (one byte a pixel to move), RGB after it (four-byte pixels move faster
  than three-byte ones): exactly the recipe's result.
- With ``resize``, the colour conversion comes first. MAME has just written the frame, on
  another core: a pass in memory order, which the prefetcher follows, reads it for least
  (in a pool, a gather or resize straight from the fresh frame cost about 30% more).
- ``"nearest"``: one gather of the pixels OpenCV's INTER_NEAREST picks in the oriented
  picture (``numpy.take`` of grey or B,G,R,A pixels, ``cv2.remap`` of RGB ones; on an
  upright screen, ``cv2.resize`` itself): exact.
- ``"linear"``, and ``"area"`` by whole factors: ``cv2.resize`` in the unrotated frame (both
  sample symmetrically), then the small picture is oriented. Within 1 level: OpenCV's
  fixed-point weights round a mirrored position differently.
- ``"area"`` shrinking by other factors (84x84 from an arcade screen): OpenCV's INTER_AREA
  is slow there (100-400 µs for 84x84); the mean over each output pixel's box comes instead
  from a summed-area table (``cv2.integral``), sampled at the boxes' corners by a
  ``warpAffine`` in float32 that also orients. Within 1 level of INTER_AREA: the tables stay
  exact in float32 (big screens are cut into bands, each with its own table) and the sums
  are within 0.5 before rounding (measured: 0.15 for 84x84 from catch's screen). This
  needs OpenCV 5's exact sampling coordinates; an older OpenCV, which rounds them to 1/32
  pixel, gets ``cv2.resize``'s own area resize.
- ``"area"`` growing a side: orient, then ``cv2.resize`` (OpenCV's area growth is not
  symmetric, so it cannot run on the unrotated picture).

Per frame (``benchmarks/frame_convert.py``), catch's 260x224 screen rotated, in a pool of 16
catch MAMEs on 2 cores: RGB 70 µs, grey 40, grey 84x84 area 70 (OpenCV's INTER_AREA: 127),
linear 43, nearest 37. The same on one frame over and over, all in cache: 19, 22, 47, 31, 23.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from ..checks import invalid_choice, is_int
from ..errors import InvalidArgumentError, ProtocolError

OBS_TYPES = ("rgb", "grayscale", "bgra")
INTERPOLATIONS = {"area": cv2.INTER_AREA, "linear": cv2.INTER_LINEAR,
                  "nearest": cv2.INTER_NEAREST}
# A clockwise rotation as a transpose (or not), then horizontal and vertical flips.
# One pass of a plan: reads its source frame, writes its destination (OpenCV's calls also
# return the destination: the value is not used).
_Pass = Callable[[np.ndarray, np.ndarray], object]

_ROTATION_AS = {0: (False, False, False), 90: (True, True, False),
                180: (False, True, True), 270: (True, False, True)}
_FLIP_CODES = {(True, False): 1, (False, True): 0, (True, True): -1}  # cv2.flip's codes
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


@functools.cache
def _exact_warp() -> bool:
    """Whether ``warpAffine`` samples float32 at exact coordinates, as OpenCV 5 does
    (older ones round them to 1/32 pixel: a box's sum would be off by a few levels)."""
    src = np.array([[0.0, 1000.0], [0.0, 1000.0]], np.float32)
    shift = np.array([[1.0, 0.0, 0.017], [0.0, 1.0, 0.0]])
    got = cv2.warpAffine(src, shift, (1, 1), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    return abs(float(got[0, 0]) - 17.0) < 1e-3


def _area_bands(h: int, w: int, oh: int, ow: int, transpose: bool, vflip: bool
                ) -> list[tuple[int, int, int, int]] | None:
    """Bands of output rows for :meth:`FrameConverter._area_sums`: ``(l0, l1, lo, hi)``,
    rows ``l0`` to ``l1`` of box corners and the source's rows (columns when the picture
    is transposed) ``lo:hi`` under them; None if even one output row is too much.

    A band's table must stay below ``limit``: float32 is exact for integers below 2**24,
    and its bilinear sampling rounds by about an ulp of the table's values (measured: at
    most 2.3 ulps over a box's four corners), which the division by the box's area
    scales down; 4 ulps times that factor must stay under half a grey level. Even 40
    bands (a 640x480 screen to 560x400) beat OpenCV's own area resize (514 µs, 812)."""
    dim, other = (w, h) if transpose else (h, w)  # the source axis output rows run along
    per_box = (oh * ow) / (h * w)  # 1 / a box's area
    limit = 2.0 ** (24 + min(0, math.floor(math.log2(1 / (8 * per_box)))))
    for n in range(max(1, math.ceil(255 * dim * other / limit)), oh + 1):
        bands = []
        for i in range(n):
            l0, l1 = oh * i // n, oh * (i + 1) // n
            t0, t1 = l0 * dim / oh, l1 * dim / oh
            if vflip:
                t0, t1 = dim - t1, dim - t0
            lo, hi = max(0, math.floor(t0)), min(dim, math.ceil(t1))
            bands.append((l0, l1, lo, hi))
        if all(255 * (hi - lo) * other < limit for _, _, lo, hi in bands):
            return bands
    return None


class FrameConverter:
    """Raw B,G,R,A pixels of one screen → observations as :class:`ObsSpec` says."""

    def __init__(self, rotation: int = 0, flipx: bool = False, flipy: bool = False,
                 spec: ObsSpec | None = None) -> None:
        if rotation not in (0, 90, 180, 270):
            raise ProtocolError(f"screen rotation {rotation!r} is not one of 0, 90, 180, 270")
        self.rotation, self.flipx, self.flipy = rotation, flipx, flipy
        self.spec = spec or ObsSpec()
        # The orientation as one transpose (or none) then one flip (or none): the rotation's
        # own flips and the screen's, composed.
        transpose, hflip, vflip = _ROTATION_AS[rotation]
        self._transpose, self._hflip, self._vflip = transpose, hflip ^ flipx, vflip ^ flipy
        # The plan for the last screen size: OpenCV calls and the arrays between them.
        self._size: tuple[int, int] | None = None
        self._shape: tuple[int, ...] = ()
        self._steps: list[tuple[_Pass, np.ndarray]] = []
        self._last: _Pass = np.copyto
        # Per output (height, width) other than the frame's own: a converter scaling into it.
        self._fitted: dict[tuple[int, int], FrameConverter] = {}

    def shape(self, width: int, height: int) -> tuple[int, ...]:
        """The shape of one observed frame of a ``width`` x ``height`` screen bitmap."""
        return self.spec.frame_shape(width, height, self.rotation)

    def _make_plan(self, width: int, height: int
                   ) -> tuple[list[_Pass],
                              list[np.ndarray]]:
        """The OpenCV calls from raw pixels to the observation, and the arrays between them
        (one fewer than calls: the last call writes into the output)."""
        spec = self.spec
        channels = _CHANNELS[spec.obs_type]
        calls: list[_Pass] = []
        shapes: list[tuple[tuple[int, ...], type]] = []

        def add(call: _Pass, h: int, w: int, c: int,
                dtype: type = np.uint8) -> None:
            calls.append(call)
            shapes.append(((h, w) if c == 1 else (h, w, c), dtype))

        colour = {"rgb": cv2.COLOR_BGRA2RGB, "grayscale": cv2.COLOR_BGRA2GRAY}.get(spec.obs_type)

        def convert_colour(h: int, w: int) -> None:
            if colour is not None:
                code = colour
                add(lambda s, d: cv2.cvtColor(s, code, dst=d), h, w, channels)

        def colour_and_orient(h: int, w: int) -> None:
            if channels == 1:  # grey first: one byte a pixel to move instead of four
                convert_colour(h, w)
                self._orient(add, h, w, 1)
            else:  # moving 4-byte pixels beats moving 3-byte ones, and converting is cheap
                self._orient(add, h, w, 4)
                convert_colour(*((w, h) if self._transpose else (h, w)))

        h, w = height, width
        if spec.resize is None:
            colour_and_orient(h, w)
        else:
            # With a resize, the colour conversion goes first: MAME has just written the
            # frame (on another core), and a pass in memory order, which the prefetcher
            # follows, reads it fastest (in a pool, resizing or gathering from it directly
            # cost more).
            oh, ow = spec.resize
            c = channels if colour is not None else 4
            convert_colour(h, w)
            if spec.interpolation == "nearest" and not (self._transpose or self._hflip
                                                         or self._vflip):
                add(lambda s, d: cv2.resize(s, (ow, oh), dst=d,
                                            interpolation=cv2.INTER_NEAREST), oh, ow, c)
            elif spec.interpolation == "nearest":  # nearest rounds one way: not symmetric
                self._gather(add, h, w, oh, ow, c)
            else:
                self._resize(add, h, w, c, oh, ow)
        if not calls:  # bgra, as is: a plain copy
            add(lambda s, d: np.copyto(d, s), h, w, 4)
        return calls, [np.empty(shape, dtype) for shape, dtype in shapes[:-1]]

    def _resize(self, add: Callable[..., None], h: int, w: int, c: int, oh: int,
                ow: int) -> None:
        """Add the calls of a linear or area resize, and the orientation, of an unrotated
        (h, w) picture of ``c`` channels."""
        how = INTERPOLATIONS[self.spec.interpolation]
        sh, sw = (ow, oh) if self._transpose else (oh, ow)  # the size, unrotated
        bands = self._area_bands(h, w, oh, ow)
        if bands is not None:
            self._area_sums(add, h, w, c, oh, ow, bands)
        elif how == cv2.INTER_LINEAR or (sh <= h and sw <= w and h % sh == 0
                                         and w % sw == 0):
            # Linear sampling is symmetric, and so is a whole-factor area shrink: resize in
            # the unrotated frame, then orient (fewer pixels to move).
            add(lambda s, d, size=(sw, sh): cv2.resize(s, size, dst=d, interpolation=how),
                sh, sw, c)
            self._orient(add, sh, sw, c)
        else:  # OpenCV's area resize growing a side is not symmetric: orient first
            self._orient(add, h, w, c)
            add(lambda s, d, size=(ow, oh): cv2.resize(s, size, dst=d, interpolation=how),
                oh, ow, c)

    def _orient(self, add: Callable[..., None], h: int, w: int, c: int) -> None:
        """Add the calls orienting an unrotated (h, w) picture: a transpose, a flip, both
        (one ``cv2.rotate`` call), or none."""
        flip = _FLIP_CODES.get((self._hflip, self._vflip))
        if self._transpose:
            h, w = w, h
            if flip in (0, 1):  # a rotation by 90 degrees: OpenCV flips in place after
                code = cv2.ROTATE_90_CLOCKWISE if flip else cv2.ROTATE_90_COUNTERCLOCKWISE
                add(lambda s, d, code=code: cv2.rotate(s, code, dst=d), h, w, c)
                return
            add(lambda s, d: cv2.transpose(s, dst=d), h, w, c)
        if flip is not None:
            add(lambda s, d, code=flip: cv2.flip(s, code, dst=d), h, w, c)

    def _gather(self, add: Callable[..., None], h: int, w: int, oh: int, ow: int,
                c: int) -> None:
        """Add a gather, from an unrotated (h, w) picture of ``c`` channels, of the (oh, ow)
        pixels nearest resizing picks in the oriented picture, as OpenCV picks them
        (``floor(i * scale)``): ``numpy.take`` of 1 or 4-byte pixels, ``cv2.remap`` of
        3-byte ones."""
        oriented = self.oriented(np.arange(h * w, dtype=np.intp).reshape(h, w))
        picks = [np.minimum(np.floor(np.arange(n) * (1.0 / (n / size))).astype(np.intp),
                            size - 1) for n, size in ((oh, oriented.shape[0]),
                                                      (ow, oriented.shape[1]))]
        index = np.ascontiguousarray(oriented[np.ix_(*picks)])  # flat, in the source
        if c == 3:
            x, y = (index % w).astype(np.float32), (index // w).astype(np.float32)
            add(lambda s, d: cv2.remap(s, x, y, cv2.INTER_NEAREST, dst=d), oh, ow, 3)
            return
        pixel = np.uint32 if c == 4 else np.uint8

        def gather(s: np.ndarray, d: np.ndarray) -> None:
            np.take(s.reshape(-1).view(pixel), index, mode="clip",
                    out=d.reshape(-1).view(pixel).reshape(oh, ow))

        add(gather, oh, ow, c)

    def _area_bands(self, h: int, w: int, oh: int, ow: int
                    ) -> list[tuple[int, int, int, int]] | None:
        """The bands of :meth:`_area_sums` for an area resize of an (h, w) screen to
        (oh, ow), or None where that plan does not apply: growing a side, OpenCV's fast
        whole-factor shrink, a screen too wide for even one output row a band, or an
        OpenCV whose ``warpAffine`` rounds coordinates (then ``cv2.resize`` does it)."""
        sh, sw = (ow, oh) if self._transpose else (oh, ow)  # the size, unrotated
        if (self.spec.interpolation != "area" or sh > h or sw > w
                or (h % sh == 0 and w % sw == 0) or not _exact_warp()):
            return None
        return _area_bands(h, w, oh, ow, self._transpose, self._vflip)

    def _area_sums(self, add: Callable[..., None], h: int, w: int, c: int, oh: int,
                   ow: int, bands: list[tuple[int, int, int, int]]) -> None:
        """Add the calls of an area resize by sums over a summed-area table, oriented on the
        way (shrinking both sides, by other than whole factors).

        Each output pixel is the mean of the source over its box, whose corners fall
        between pixels: the table, bilinear between its entries, is exact there. So the
        table is sampled at the boxes' corners (a ``warpAffine`` in float32, which also
        orients), and a box's sum is the difference of its four corners'. float32 holds the
        table's integers exactly below 2**24: larger screens are cut into bands of output
        rows, each with a table of its own (see :func:`_area_bands`), so every result is
        within 0.5 of OpenCV's INTER_AREA before rounding (at most 1 grey level after)."""
        # Output corner (k, l), k along columns, l along rows → source corner (x, y).
        wo, ho = (h, w) if self._transpose else (w, h)  # the oriented picture's size
        u = (-wo / ow, wo) if self._hflip else (wo / ow, 0.0)  # column k → (scale, offset)
        v = (-ho / oh, ho) if self._vflip else (ho / oh, 0.0)  # row l
        # [x; y] = matrix @ [k; l; 1]: the transpose swaps which of k, l moves x.
        matrix = (np.array([[0.0, v[0], v[1]], [u[0], 0.0, u[1]]]) if self._transpose
                  else np.array([[u[0], 0.0, u[1]], [0.0, v[0], v[1]]]))
        scale = (oh * ow) / (h * w) * (-1 if self._hflip ^ self._vflip else 1)
        # The bands share one table and one array of corners (each band's own shape, a
        # prefix of the same memory): fewer bytes for the caches to hold.
        sizes = [((h, hi - lo) if self._transpose else (hi - lo, w), l1 - l0)
                 for l0, l1, lo, hi in bands]
        tables = np.empty(max((rh + 1) * (rw + 1) for (rh, rw), _ in sizes) * c, np.float32)
        corners = np.empty(max(rows + 1 for _, rows in sizes) * (ow + 1) * c, np.float32)
        sums = []  # per band: source ROI, its table, the corners' values, output rows
        for (l0, l1, lo, hi), ((rh, rw), rows) in zip(bands, sizes, strict=True):
            roi = (slice(None), slice(lo, hi)) if self._transpose else (slice(lo, hi),)
            m = matrix.copy()
            m[:, 2] += m[:, 1] * l0  # rows from l0 on
            m[0 if self._transpose else 1, 2] -= lo  # in the band's own table
            table = tables[:(rh + 1) * (rw + 1) * c].reshape(
                (rh + 1, rw + 1, c)[:3 if c > 1 else 2])
            values = corners[:(rows + 1) * (ow + 1) * c].reshape(
                (rows + 1, ow + 1, c)[:3 if c > 1 else 2])
            sums.append((roi, table, m, values, l0, l1))

        def row_sums(s: np.ndarray, d: np.ndarray) -> None:
            # d[l, k]: the sum over output row l's strip of the source, from the first
            # column (as the player sees it) to column k: a running sum along each row.
            for roi, table, m, corners, l0, l1 in sums:
                cv2.integral(s[roi], table, sdepth=cv2.CV_32F)
                cv2.warpAffine(table, m, (ow + 1, l1 - l0 + 1), corners,
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE)
                cv2.subtract(corners[1:], corners[:-1], d[l0:l1])

        add(row_sums, oh, ow + 1, c, np.float32)
        # Each box's sum, divided by its area, rounded to the nearest byte.
        add(lambda s, d: cv2.addWeighted(s[:, 1:], scale, s[:, :-1], -scale, 0.0, d,
                                         dtype=cv2.CV_8U), oh, ow, c)

    def convert(self, raw: np.ndarray, width: int, height: int,
                out: np.ndarray | None = None) -> np.ndarray:
        """The observation of ``raw`` (``width * height * 4`` bytes), written into ``out``
        (allocated if None); returns it. An ``out`` of another height and width than
        :meth:`shape` gets the picture scaled into it (``interpolation``: a screen that
        changed size, into buffers made for the old one); its other dimensions and dtype
        must match (else InvalidArgumentError)."""
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
            return self._fit(raw, width, height, out)
        # OpenCV writes into a destination only when it is contiguous.
        final = out if out.flags.c_contiguous else np.empty(out.shape, np.uint8)
        for call, dst in self._steps:
            call(src, dst)
            src = dst
        self._last(src, final)
        if final is not out:
            np.copyto(out, final)
        return out

    def _fit(self, raw: np.ndarray, width: int, height: int, out: np.ndarray) -> np.ndarray:
        """``raw`` scaled into ``out``, an observation of another (height, width) than this
        frame's (a screen that changed size: see :meth:`convert`)."""
        channels = self._shape[2:]
        if out.dtype != np.uint8 or out.ndim != len(self._shape) or out.shape[2:] != channels:
            raise InvalidArgumentError(f"out is {out.dtype} {out.shape}, the observation "
                                       f"uint8 {self._shape}")
        size = (out.shape[0], out.shape[1])
        fitted = self._fitted.get(size)
        if fitted is None:
            spec = ObsSpec(self.spec.obs_type, size, self.spec.interpolation)
            fitted = self._fitted[size] = FrameConverter(self.rotation, self.flipx,
                                                         self.flipy, spec)
        return fitted.convert(raw, width, height, out)

    def oriented(self, bitmap: np.ndarray, batch: bool = False) -> np.ndarray:
        """A view of a (H, W) or (H, W, C) bitmap as the player sees it (numpy, no copy);
        with ``batch``, of each of a (N, H, W, ...) batch of them."""
        view = bitmap[None] if not batch else bitmap
        if self.rotation:
            view = np.rot90(view, k=-self.rotation // 90, axes=(1, 2))
        if self.flipx:
            view = view[:, :, ::-1]
        if self.flipy:
            view = view[:, ::-1]
        return view if batch else view[0]
