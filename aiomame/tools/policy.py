"""Trained policies as files: the actor-critic network of ``examples/train_ppo.py``, its
checkpoint format, and :func:`load_agent` to play one (``aiomame play GAME --agent FILE``).

Needs PyTorch, its CPU build as the ``train`` extra pins it: ``pip install "torch==2.13.0"
--index-url https://download.pytorch.org/whl/cpu`` (:data:`aiomame.extras.TORCH`).
A checkpoint is a ``torch.save`` dict: ``format``, ``game``, ``env`` (the observation
options the policy was trained on: ``obs_type``, ``resize``, ``frame_stack``,
``frame_ratio``, ``max_episode_steps``), ``network`` (``channels``, ``actions``) and
``weights`` (the state dict). It holds tensors and plain values only, so it loads with
``weights_only=True``: nothing in it is executed.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError
from ..extras import TORCH
from ..files import write_atomically

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised where torch is absent
    raise ImportError(f"aiomame.tools.policy needs PyTorch: {TORCH}") from exc

FORMAT = 1


class ActorCritic(nn.Module):
    """A small convolutional actor-critic for 84x84 frames (``channels`` stacked frames):
    DQN's 2013 network (two convolutions, 256 hidden), a policy head and a value head."""

    def __init__(self, channels: int, actions: int) -> None:
        super().__init__()
        self.channels, self.actions = channels, actions
        self.body = nn.Sequential(
            nn.Conv2d(channels, 16, 8, stride=4), nn.ReLU(),
            nn.Conv2d(16, 32, 4, stride=2), nn.ReLU(), nn.Flatten(),
            nn.Linear(32 * 9 * 9, 256), nn.ReLU())
        self.policy = nn.Linear(256, actions)
        self.value = nn.Linear(256, 1)
        for layer in self.modules():
            if isinstance(layer, (nn.Conv2d, nn.Linear)):
                nn.init.orthogonal_(layer.weight, np.sqrt(2))
                if layer.bias is not None:  # always here: every layer is made with a bias
                    nn.init.zeros_(layer.bias)
        nn.init.orthogonal_(self.policy.weight, 0.01)
        nn.init.orthogonal_(self.value.weight, 1.0)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Action logits and state values of uint8 observations ``(B, channels, 84, 84)``
        (or ``(B, 84, 84)`` with one channel)."""
        if obs.dim() == 3:
            obs = obs.unsqueeze(1)
        hidden = self.body(obs.float() / 255.0)
        return self.policy(hidden), self.value(hidden).squeeze(-1)


def save_checkpoint(path: str | os.PathLike[str], model: ActorCritic, game: str,
                    env: Mapping[str, Any], **extra: Any) -> None:
    """Write ``model`` and what it was trained on to ``path`` (atomically)."""
    data = {"format": FORMAT, "game": game, "env": dict(env),
            "network": {"channels": model.channels, "actions": model.actions},
            "weights": model.state_dict(), **extra}
    buffer = io.BytesIO()
    torch.save(data, buffer)
    write_atomically(path, buffer.getvalue())


@dataclass
class Agent:
    """A loaded policy: :meth:`act` maps an observation (or a batch) to greedy actions."""

    game: str
    env: dict[str, Any]
    """The observation options to make its env with (``GameEnv(game, **env)``)."""
    model: ActorCritic

    def act(self, obs: np.ndarray) -> np.ndarray | int:
        """The most likely action of one observation (an int) or of a batch (an array)."""
        batched = obs.ndim == (4 if self.env.get("frame_stack", 1) > 1 else 3)
        with torch.no_grad():
            logits, _ = self.model(torch.from_numpy(np.asarray(obs if batched else obs[None])))
        actions = logits.argmax(-1).numpy()
        return actions if batched else int(actions[0])


def load_agent(path: str | os.PathLike[str]) -> Agent:
    """The policy saved at ``path`` by :func:`save_checkpoint`."""
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise InvalidArgumentError(f"no checkpoint at {os.fspath(path)!r}") from None
    except Exception as exc:
        raise InvalidArgumentError(
            f"{os.fspath(path)!r} is not an aiomame policy checkpoint: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidArgumentError(
            f"{os.fspath(path)!r} is not an aiomame policy checkpoint of format {FORMAT}")
    model = ActorCritic(**data["network"])
    model.load_state_dict(data["weights"])
    model.eval()
    return Agent(data["game"], dict(data["env"]), model)
