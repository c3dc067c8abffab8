"""How to install an optional extra, worded once for every hint and error message.

aiomame installs from its clone until a release exists (it is on no package index):
``pip install ".[ray]"`` run in the clone, quoted, with the dot. PyTorch has one
instruction, :data:`TORCH`.
"""

from __future__ import annotations

from .checks import invalid_choice

EXTRAS = ("gym", "sb3", "pettingzoo", "train", "video", "ray", "rllib", "web", "minari")
"""The optional extras of pyproject.toml that hints name (``test`` and ``dev`` are for
aiomame's own development)."""

FROM_CLONE = "in the aiomame clone, until a release exists"
TORCH = 'pip install "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu'
"""The one PyTorch instruction (as docs/install.md): the version ``.ci/run`` installs and the
``sb3``, ``train`` and ``rllib`` extras pin, PyTorch's CPU build (PyPI's is a multi-GB CUDA
build; CI's machines keep the CPU build on disk, so ``.ci/run`` names the version alone)."""


def install(*extras: str) -> str:
    """``pip install ".[EXTRA,...]" (in the aiomame clone ...)``: the line that installs
    ``extras``. Raises InvalidArgumentError for a name that is not one of :data:`EXTRAS`."""
    for extra in extras:
        if extra not in EXTRAS:
            raise invalid_choice("extra", extra, EXTRAS)
    return f'pip install ".[{",".join(extras)}]" ({FROM_CLONE})'
