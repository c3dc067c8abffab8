"""How to install an optional extra, worded once for every hint and error message.

aiomame installs from its clone until a release exists (it is on no package index):
``pip install ".[ray]"`` run in the clone, quoted, with the dot. PyTorch has one
instruction, the version that ``.ci/run`` installs and the ``train`` extra pins (the CPU
build): :data:`TORCH`.
"""

from __future__ import annotations

from .errors import invalid_choice

EXTRAS = ("gym", "sb3", "pettingzoo", "train", "video", "ray", "rllib", "web", "minari")
"""The optional extras of pyproject.toml that hints name (``test`` and ``dev`` are for
aiomame's own development)."""

FROM_CLONE = "in the aiomame clone, until a release exists"
TORCH = 'pip install "torch==2.13.0"'
"""The one PyTorch instruction: the version ``.ci/run`` installs, the ``train`` extra pins."""


def install(*extras: str) -> str:
    """``pip install ".[EXTRA,...]" (in the aiomame clone ...)``: the line that installs
    ``extras``. Raises InvalidArgumentError for a name that is not one of :data:`EXTRAS`."""
    for extra in extras:
        if extra not in EXTRAS:
            raise invalid_choice("extra", extra, EXTRAS)
    return f'pip install ".[{",".join(extras)}]" ({FROM_CLONE})'
