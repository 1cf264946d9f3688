"""Loss functions of the TopK SAE: pure functions of tensors (torch passed in, never imported here).

Shapes: B inputs of dimension D; M latents; G Matryoshka groups.
"""

from __future__ import annotations

from typing import Any

Tensor = Any  # torch.Tensor; kept loose so importing this module does not load torch


def normalised_mse(x: Tensor, x_hat: Tensor) -> Tensor:
    """Fraction of variance unexplained: sum|x - x_hat|^2 / sum|x - mean(x)|^2.

    x, x_hat: (B, D). Returns a scalar.
    """
    centred = x - x.mean(dim=0, keepdim=True)
    return ((x - x_hat) ** 2).sum() / (centred**2).sum().clamp_min(1e-12)


def prefix_reconstructions(z: Tensor, w_dec: Tensor, b_dec: Tensor, groups: tuple[int, ...]):
    """Reconstructions using each Matryoshka prefix of the dictionary.

    z: (B, M) codes; w_dec: (M, D); b_dec: (D,); groups: increasing prefix ends, last = M.
    Yields G tensors (B, D), the last being the full reconstruction. Each group's
    contribution is computed once and accumulated, so this costs one full decode.
    """
    recon = b_dec.expand(z.shape[0], -1)
    start = 0
    for end in groups:
        recon = recon + z[:, start:end] @ w_dec[start:end]
        start = end
        yield recon


def matryoshka_loss(x: Tensor, z: Tensor, w_dec: Tensor, b_dec: Tensor,
                    groups: tuple[int, ...]) -> tuple[Tensor, Tensor]:
    """Mean normalised MSE over the prefixes, and the full reconstruction (B, D).

    With one group this is the plain TopK objective.
    """
    losses = []
    recon = None
    for recon in prefix_reconstructions(z, w_dec, b_dec, groups):
        losses.append(normalised_mse(x, recon))
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    return total / len(losses), recon


def auxk_loss(x: Tensor, x_hat: Tensor, pre: Tensor, dead: Tensor, aux_k: int,
              w_dec: Tensor) -> Tensor:
    """AuxK (Gao et al. 2024): the top `aux_k` dead latents reconstruct the residual.

    x, x_hat: (B, D); pre: (B, M) pre-activations; dead: (M,) bool. Returns a scalar,
    zero when no latent is dead. The residual is detached: dead latents chase the error,
    the live ones are not pulled towards them.
    """
    n_dead = int(dead.sum())
    if n_dead == 0:
        return pre.new_zeros(())
    k = min(aux_k, n_dead)
    masked = pre.masked_fill(~dead, float("-inf"))
    vals, idx = masked.topk(k, dim=1)
    z_aux = pre.new_zeros(pre.shape).scatter(1, idx, vals.relu())
    residual = (x - x_hat).detach()
    return normalised_mse(residual, z_aux @ w_dec)
