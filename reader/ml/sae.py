"""A TopK sparse autoencoder with optional Matryoshka prefixes, and its numpy twin for inference.

Shapes: N inputs of dimension D, M latents, K active latents per input. The decoder is
stored as rows (M, D): row i is theme i's direction in the (normalised) embedding space.
Torch is imported only inside `build_module`, so encoding with numpy never loads it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

FORMAT_VERSION = 1


@dataclass(frozen=True)
class SAEConfig:
    """Everything needed to rebuild and retrain a model; saved beside the weights."""

    d: int  # input dimension (the embedding model's)
    m: int  # number of latents
    k: int  # latents active per input (TopK)
    # Matryoshka prefix sizes, increasing, the last equal to m: each prefix of the
    # dictionary must reconstruct on its own, so early latents learn broad directions.
    prefixes: tuple[int, ...] = ()
    aux_k: int = 0  # latents the AuxK loss may use (0: 2*k)
    aux_coef: float = 1 / 32
    lr: float = 1.5e-3
    batch: int = 256
    max_steps: int = 1000
    min_steps: int = 300
    eval_every: int = 50
    patience: int = 6  # evaluations without improvement before stopping
    dead_epochs: float = 2.0  # a latent that fired in none of this many epochs is dead
    grad_clip: float = 1.0
    seed: int = 0
    init: str = "kmeans"  # decoder start: "kmeans" (cluster centres) or "sample"
    init_iters: int = 25
    format_version: int = FORMAT_VERSION
    notes: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.prefixes and (list(self.prefixes) != sorted(set(self.prefixes))
                              or self.prefixes[-1] != self.m):
            raise ValueError(f"prefixes must increase and end at m={self.m}: {self.prefixes}")
        if not 0 < self.k <= self.m:
            raise ValueError(f"k must be in 1..m, got k={self.k}, m={self.m}")

    @property
    def groups(self) -> tuple[int, ...]:
        """Prefix ends, always ending at m (a flat SAE is one group)."""
        return self.prefixes or (self.m,)

    @property
    def broad(self) -> int:
        """How many leading latents form the broad level (0 for a flat dictionary)."""
        return self.prefixes[0] if len(self.prefixes) > 1 else 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["prefixes"] = list(self.prefixes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SAEConfig:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["prefixes"] = tuple(values.get("prefixes", ()))
        return cls(**values)


@dataclass
class Normaliser:
    """Centre by the training mean, then scale so the average squared norm is 1."""

    mean: np.ndarray  # (D,)
    scale: float

    @classmethod
    def fit(cls, x: np.ndarray) -> Normaliser:
        mean = x.mean(axis=0).astype(np.float32)
        rms = float(np.sqrt(((x - mean) ** 2).sum(axis=1).mean()))
        return cls(mean, rms if rms > 0 else 1.0)

    def apply(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale).astype(np.float32)

    def invert(self, x: np.ndarray) -> np.ndarray:
        return (x * self.scale + self.mean).astype(np.float32)


@dataclass
class SAEWeights:
    """Plain arrays of a trained model (float32), in the normalised space."""

    w_enc: np.ndarray  # (M, D)
    b_enc: np.ndarray  # (M,)
    w_dec: np.ndarray  # (M, D), unit-norm rows
    b_dec: np.ndarray  # (D,)

    def as_dict(self) -> dict[str, np.ndarray]:
        return {"w_enc": self.w_enc, "b_enc": self.b_enc, "w_dec": self.w_dec, "b_dec": self.b_dec}

    @classmethod
    def from_dict(cls, arrays: dict[str, np.ndarray]) -> SAEWeights:
        return cls(**{k: np.asarray(arrays[k], dtype=np.float32) for k in
                      ("w_enc", "b_enc", "w_dec", "b_dec")})


def encode(weights: SAEWeights, x: np.ndarray, k: int, batch: int = 8192) -> np.ndarray:
    """Sparse codes (N, M) for normalised inputs x (N, D): the top k pre-activations, ReLU'd."""
    n, m = x.shape[0], weights.w_enc.shape[0]
    out = np.zeros((n, m), dtype=np.float32)
    for start in range(0, n, batch):
        pre = (x[start:start + batch] - weights.b_dec) @ weights.w_enc.T + weights.b_enc
        top = np.argpartition(-pre, k - 1, axis=1)[:, :k]
        vals = np.maximum(np.take_along_axis(pre, top, axis=1), 0.0)
        np.put_along_axis(out[start:start + batch], top, vals, axis=1)
    return out


def decode(weights: SAEWeights, z: np.ndarray, upto: int | None = None) -> np.ndarray:
    """Reconstruction (N, D) from codes (N, M), using only the first `upto` latents if given."""
    upto = z.shape[1] if upto is None else upto
    return z[:, :upto] @ weights.w_dec[:upto] + weights.b_dec


def build_module(config: SAEConfig, weights: SAEWeights | None = None) -> Any:
    """A torch module for training; initialised from `weights` when given (warm start)."""
    import torch
    from torch import nn

    class TopKSAE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w_enc = nn.Parameter(torch.empty(config.m, config.d))
            self.b_enc = nn.Parameter(torch.zeros(config.m))
            self.w_dec = nn.Parameter(torch.empty(config.m, config.d))
            self.b_dec = nn.Parameter(torch.zeros(config.d))

        def pre_acts(self, x: torch.Tensor) -> torch.Tensor:
            """(B, D) -> (B, M) pre-activations."""
            return (x - self.b_dec) @ self.w_enc.T + self.b_enc

        def topk(self, pre: torch.Tensor, k: int) -> torch.Tensor:
            """(B, M) -> (B, M) with only the k largest kept (ReLU'd)."""
            vals, idx = pre.topk(k, dim=1)
            return torch.zeros_like(pre).scatter(1, idx, vals.relu())

        def decode(self, z: torch.Tensor) -> torch.Tensor:
            return z @ self.w_dec + self.b_dec

        @torch.no_grad()
        def normalise_decoder(self) -> None:
            self.w_dec.div_(self.w_dec.norm(dim=1, keepdim=True).clamp_min(1e-8))

        @torch.no_grad()
        def project_decoder_grad(self) -> None:
            """Remove the gradient component along each (unit) decoder row."""
            if self.w_dec.grad is None:
                return
            along = (self.w_dec.grad * self.w_dec).sum(dim=1, keepdim=True)
            self.w_dec.grad.sub_(along * self.w_dec)

    module = TopKSAE()
    with torch.no_grad():
        if weights is not None:
            for name, value in weights.as_dict().items():
                getattr(module, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return module


def module_weights(module: Any) -> SAEWeights:
    """The numpy arrays of a torch module built by `build_module`."""
    return SAEWeights(
        **{name: getattr(module, name).detach().cpu().numpy().astype(np.float32).copy()
           for name in ("w_enc", "b_enc", "w_dec", "b_dec")}
    )
