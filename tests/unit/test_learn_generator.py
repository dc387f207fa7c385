"""The conditional VAE and the check that judges its drawings."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from llmos.learn import scenes  # noqa: E402
from llmos.learn.generator import SceneVae, check, vae_loss  # noqa: E402


def test_the_check_passes_the_scenes_own_pictures_and_fails_wrong_ones():
    made = scenes.scenes("validation", 200)
    judged = [check(np.array(scenes.render(s, 64)), s) for s in made]
    assert all(j["colours"] and j["order"] for j in judged)
    blank = np.full((64, 64, 3), 235, np.uint8)
    assert check(blank, made[0]) == {"colours": False, "order": False}
    mirrored = [s for s in made if len({t.colour for t in s.things}) == len(s.things)][:20]
    flipped = [check(np.array(scenes.render(s, 64))[:, ::-1], s) for s in mirrored]
    assert all(j["colours"] and not j["order"] for j in flipped)  # right colours, wrong order


def test_the_vae_reconstructs_samples_and_learns():
    made = scenes.scenes("train", 32)
    pictures = scenes.pictures(made)
    captions = [s.caption() for s in made]
    torch.manual_seed(0)
    model = SceneVae(dim=32, latent=8)
    made_again, mu, log_var = model(pictures[:4], captions[:4])
    assert made_again.shape == (4, 3, 64, 64) and mu.shape == log_var.shape == (4, 8)
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    losses = []
    for _ in range(30):
        loss = vae_loss(model, pictures, captions, beta=0.1)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    drawn = model.sample(captions[:3], torch.Generator().manual_seed(1))
    assert drawn.shape == (3, 3, 64, 64) and drawn.min() >= 0 and drawn.max() <= 1
