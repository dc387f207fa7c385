"""A text-conditional image generator: a conditional VAE at 64x64 (Kingma and Welling, 2014;
Sohn et al., 2015), trained on the compositional scenes,

    c = TextEncoder(caption)                    the caption's bytes, pooled (learned)
    q(z | x, c) = N(μ, diag σ²),  [μ; log σ²] = MLP([ConvEncoder(x); c])
    x̂ = Decoder([z; c])                         transposed convolutions, 4x4 → 64x64x3
    L = Σ (x - x̂)² + β · KL(q(z | x, c) ‖ N(0, I))

and sampled with z ~ N(0, I). :func:`check` judges a picture with code that knows the scenes:
are the caption's colours there (and no others), from left to right in the caption's order?
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from llmos.learn.encoders import ConvEncoder, TextEncoder
from llmos.learn.scenes import COLOURS, SIZES, Scene

CAPTION_BYTES = 96
NEAR = 70  # how far (RGB distance) a pixel may be from a palette colour to count as it
MIN_SHARE = 0.4  # of the smallest shape's area: less than this is not a shape


class SceneVae(nn.Module):
    def __init__(self, dim: int = 64, latent: int = 16) -> None:
        super().__init__()
        self.text = TextEncoder(length=CAPTION_BYTES, dim=dim)
        self.image = ConvEncoder(dim=dim)
        self.posterior = nn.Sequential(
            nn.Linear(2 * dim, 128), nn.ReLU(), nn.Linear(128, 2 * latent)
        )
        self.start = nn.Linear(latent + dim, 128 * 4 * 4)

        def up(inputs: int, outputs: int) -> list[nn.Module]:
            return [
                nn.ConvTranspose2d(inputs, outputs, 4, 2, 1),
                nn.BatchNorm2d(outputs),
                nn.ReLU(),
            ]

        self.decoder = nn.Sequential(
            *up(128, 96), *up(96, 64), *up(64, 32), *up(32, 16),
            nn.Conv2d(16, 3, 3, padding=1), nn.Sigmoid(),
        )  # fmt: skip
        self.latent = latent

    def condition(self, captions: Sequence[str]) -> torch.Tensor:
        return self.text.encode_texts(captions).pooled

    def decode(self, z: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.start(torch.cat([z, c], dim=-1)).view(-1, 128, 4, 4))

    def forward(self, pictures: torch.Tensor, captions: Sequence[str]):
        """Reconstructions, μ and log σ² of a batch of pictures (B, 3, 64, 64) in [0, 1]."""
        c = self.condition(captions)
        mu, log_var = self.posterior(torch.cat([self.image(pictures).pooled, c], -1)).chunk(2, -1)
        z = mu + torch.randn_like(mu) * (0.5 * log_var).exp()
        return self.decode(z, c), mu, log_var

    @torch.no_grad()
    def sample(self, captions: Sequence[str], generator: torch.Generator | None = None):
        """Pictures (B, 3, 64, 64) in [0, 1] for ``captions``."""
        self.eval()
        c = self.condition(captions)
        z = torch.randn(len(captions), self.latent, generator=generator)
        return self.decode(z, c)


def vae_loss(model: SceneVae, pictures: torch.Tensor, captions: Sequence[str], beta: float):
    made, mu, log_var = model(pictures, captions)
    reconstruction = functional.mse_loss(made, pictures, reduction="sum") / len(pictures)
    kl = -0.5 * torch.sum(1 + log_var - mu**2 - log_var.exp()) / len(pictures)
    return reconstruction + beta * kl


def check(picture: np.ndarray, scene: Scene) -> dict[str, bool]:
    """Whether an RGB picture (H, W, 3, uint8) shows the scene's colours, no other palette
    colour, and (when each colour is one shape's) the colours in the caption's left-to-right
    order."""
    width = picture.shape[1]
    smallest = np.pi * (SIZES["small"] * width) ** 2 / 2  # a small triangle's area, about
    pixels = picture.reshape(-1, 3).astype(float)
    found: dict[str, float] = {}  # colour -> its pixels' mean x
    for name, rgb in COLOURS.items():
        near = np.linalg.norm(pixels - np.array(rgb), axis=1) < NEAR
        if near.sum() >= MIN_SHARE * smallest:
            found[name] = float((np.nonzero(near)[0] % width).mean())
    wanted = [t.colour for t in sorted(scene.things, key=lambda t: t.x)]
    colours = set(found) == set(wanted)
    unique = len(set(wanted)) == len(wanted)
    order = colours and unique and sorted(wanted, key=found.__getitem__) == wanted
    return {"colours": colours, "order": order if unique else colours}
