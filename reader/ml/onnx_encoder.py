"""The model exported once to ONNX, then run with ONNX Runtime and the tokenizers library.

Why: importing torch and sentence-transformers costs seconds; a search should not. The
export holds only the transformer; tokenising (truncation to the model's length), pooling
and normalisation are done here exactly as the model's sentence-transformers config says,
so the vectors match sentence-transformers' (cosine >= 0.999, checked on export).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from reader.errors import BadInput
from reader.ml.embedder import (
    Embedder,
    EmbedProgress,
    ModelSource,
    WordPieceTokenizer,
    length_order,
    normalize,
    sentence_config,
)

EXPORT_FORMAT = 1
OPSET = 17
SUPPORTED_MODULES = {"Transformer", "Pooling", "Normalize"}
# sentence-transformers concatenates the pooling modes it is told to use, in this order.
POOLING_MODES = (
    "pooling_mode_cls_token",
    "pooling_mode_max_tokens",
    "pooling_mode_mean_tokens",
    "pooling_mode_mean_sqrt_len_tokens",
)
_TRACE_TEXTS = ("A short sentence.", "Reading lists pile up; search brings the right essay back.")
# Checked with other lengths and batch sizes than traced, so no traced shape can hide.
_CHECK_TEXTS = (
    "x",
    "Sparse autoencoders find features in embeddings. " * 12,
    "Why do people keep saving articles they never read?",
    "Ünïcödé, punctuation -- and numbers: 3.14159!",
)


class UnsupportedModel(BadInput):
    """A model whose pipeline this encoder cannot reproduce exactly (use sentence-transformers)."""


def export_folder(models_dir: Path, model_id: str) -> Path:
    """Where the export of `model_id` lives under a library's models folder."""
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in model_id.split("/")[-1])
    digest = hashlib.sha256(model_id.encode("utf-8")).hexdigest()[:10]
    return models_dir / f"{slug[:40]}-{digest}"


def model_fingerprint(folder: Path) -> str:
    """Names, sizes and modification times of the model's files: a change means re-export."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".git" not in p.parts):
        stat = path.stat()
        h.update(f"{path.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return h.hexdigest()


def read_manifest(export_dir: Path) -> dict | None:
    try:
        return json.loads((export_dir / "manifest.json").read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def export_is_current(export_dir: Path, source: ModelSource) -> bool:
    """True when `export_dir` holds a complete export of this exact model."""
    manifest = read_manifest(export_dir)
    return (
        manifest is not None
        and manifest.get("format") == EXPORT_FORMAT
        and manifest.get("model_id") == source.model_id
        and manifest.get("fingerprint") == model_fingerprint(source.folder)
        and (export_dir / "model.onnx").exists()
        and (export_dir / "tokenizer.json").exists()
    )


def export_onnx(source: ModelSource, export_dir: Path) -> dict:
    """Export the model's transformer to `export_dir` (replacing what is there); returns the manifest.

    Imports torch and transformers: run it from indexing, never from a search.
    """
    config = sentence_config(source.folder)
    pooling = _pooling_modes(config)
    unsupported = set(config["modules"]) - SUPPORTED_MODULES  # type: ignore[arg-type]
    if unsupported:
        raise UnsupportedModel(
            f"{source.model_id}: modules {sorted(unsupported)} are not supported by the ONNX encoder"
        )
    transformer_dir = source.folder / str(config.get("transformer_path", ""))
    if not (transformer_dir / "tokenizer.json").exists():
        raise UnsupportedModel(
            f"{source.model_id} has no tokenizer.json for the tokenizers library"
        )
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a one-line message says what is happening
    # Eager attention traces to plain MatMul/Softmax, which ONNX Runtime can fuse (see _fuse).
    model = AutoModel.from_pretrained(str(transformer_dir), attn_implementation="eager")
    model.eval()
    max_tokens = int(config.get("max_seq_length") or model.config.max_position_embeddings)
    tokenizer = WordPieceTokenizer(
        transformer_dir / "tokenizer.json", max_tokens, bool(config.get("do_lower_case"))
    )
    inputs = _model_inputs(model)
    export_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=export_dir.parent))
    try:
        _trace(torch, model, inputs, tokenizer, staging / "model.onnx")
        fused = _fuse(staging / "model.onnx", model.config)
        shutil.copyfile(transformer_dir / "tokenizer.json", staging / "tokenizer.json")
        manifest = {
            "format": EXPORT_FORMAT,
            "model_id": source.model_id,
            "fingerprint": model_fingerprint(source.folder),
            "inputs": inputs,
            "pooling": pooling,
            "normalize": "Normalize" in config["modules"],  # type: ignore[operator]
            "max_tokens": max_tokens,
            "do_lower_case": bool(config.get("do_lower_case")),
            "dimension": int(model.config.hidden_size) * len(pooling),
            "opset": OPSET,
            "fused": fused,
            "torch": torch.__version__,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")
        try:
            _check_against_torch(torch, model, staging)
        except UnsupportedModel:
            if not fused:
                raise
            # The fused graph drifted: keep the plain one, which must then match.
            _trace(torch, model, inputs, tokenizer, staging / "model.onnx")
            manifest["fused"] = False
            (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")
            _check_against_torch(torch, model, staging)
        if export_dir.exists():
            shutil.rmtree(export_dir)
        staging.rename(export_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _pooling_modes(config: dict) -> list[str]:
    pooling = config.get("pooling") or {}
    modes = [m for m in POOLING_MODES if pooling.get(m)]
    others = [
        k for k, v in pooling.items() if k.startswith("pooling_mode") and v and k not in modes
    ]
    if not modes or others:
        raise UnsupportedModel(f"pooling {pooling} is not supported by the ONNX encoder")
    return modes


def _model_inputs(model) -> list[str]:
    import inspect

    names = inspect.signature(model.forward).parameters
    return [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in names]


def _trace(torch, model, inputs: list[str], tokenizer: WordPieceTokenizer, path: Path) -> None:
    import warnings

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                feeds["token_type_ids"] = token_type_ids
            return self.inner(**feeds).last_hidden_state

    batch = tokenizer.batch(list(_TRACE_TEXTS))
    args = tuple(torch.from_numpy(batch[name]) for name in inputs)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*inputs, "last_hidden_state"]}
    with warnings.catch_warnings():
        # The TorchScript exporter is the one that needs no extra packages; it warns about itself.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(model),
            args,
            str(path),
            dynamo=False,
            opset_version=OPSET,
            input_names=inputs,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
        )


def _fuse(path: Path, config) -> bool:
    """Fuse attention, layer norms and GELU with ONNX Runtime's transformer optimizer, in place.

    Same arithmetic in fewer, larger kernels: about 15% less CPU per batch here. Only for
    BERT-like encoders; anything else keeps the plain graph (returns False).
    """
    if getattr(config, "model_type", "") not in {"bert", "roberta", "xlm-roberta", "mpnet"}:
        return False
    import logging

    from onnxruntime.transformers import optimizer

    logging.getLogger("onnxruntime.transformers").setLevel(logging.ERROR)
    optimized = optimizer.optimize_model(
        str(path),
        model_type="bert",
        num_heads=int(config.num_attention_heads),
        hidden_size=int(config.hidden_size),
        opt_level=0,  # graph fusions only; ONNX Runtime applies its own when loading
    )
    if not optimized.get_fused_operator_statistics().get("Attention"):
        return False
    optimized.save_model_to_file(str(path))
    return True


def _check_against_torch(torch, model, export_dir: Path) -> None:
    """The exported graph must give torch's vectors, padding included."""
    model.eval()  # the TorchScript exporter leaves the module in training mode (dropout on)
    encoder = OnnxEncoder(export_dir)
    worst = 1.0
    for texts in (list(_CHECK_TEXTS), [_CHECK_TEXTS[2]]):
        batch = encoder.tokenizer.batch(texts)
        with torch.no_grad():
            feeds = {n: torch.from_numpy(batch[n]) for n in encoder.inputs}
            hidden = model(**feeds).last_hidden_state.numpy()
        expected = normalize(pool(hidden, batch["attention_mask"], encoder.pooling))
        got = encoder.embed(texts, batch_size=len(texts))
        worst = min(worst, float(np.min(np.sum(expected * got, axis=1))))
    if worst < 0.9999:
        raise UnsupportedModel(f"ONNX export differs from torch (cosine {worst:.5f})")


def pool(hidden: np.ndarray, mask: np.ndarray, modes: Sequence[str]) -> np.ndarray:
    """Pool token vectors (batch, tokens, dim) into one vector per text, as sentence-transformers does."""
    weights = mask[..., None].astype(np.float32)
    counts = np.maximum(weights.sum(axis=1), 1e-9)
    parts = []
    for mode in modes:
        if mode == "pooling_mode_cls_token":
            parts.append(hidden[:, 0])
        elif mode == "pooling_mode_max_tokens":
            parts.append(np.where(weights > 0, hidden, -1e9).max(axis=1))
        elif mode == "pooling_mode_mean_tokens":
            parts.append((hidden * weights).sum(axis=1) / counts)
        elif mode == "pooling_mode_mean_sqrt_len_tokens":
            parts.append((hidden * weights).sum(axis=1) / np.sqrt(counts))
    return np.concatenate(parts, axis=1)


class OnnxEncoder(Embedder):
    """Embeds with an export made by `export_onnx`: ONNX Runtime and tokenizers, no torch."""

    def __init__(self, export_dir: Path, *, threads: int | None = None) -> None:
        manifest = read_manifest(export_dir)
        if manifest is None or manifest.get("format") != EXPORT_FORMAT:
            raise BadInput(f"{export_dir} holds no usable ONNX export")
        self.export_dir = export_dir
        self.variant = str(manifest.get("variant") or "fp32")
        self.model_id = variant_id(str(manifest["model_id"]), self.variant)
        self.dimension = int(manifest["dimension"])
        self.max_tokens = int(manifest["max_tokens"])
        self.inputs = list(manifest["inputs"])
        self.pooling = list(manifest["pooling"])
        self.tokenizer = WordPieceTokenizer(
            export_dir / "tokenizer.json", self.max_tokens, bool(manifest["do_lower_case"])
        )
        self.special_tokens = self.tokenizer.special_tokens
        self._threads = threads
        self._session = None

    @property
    def session(self):
        """The ONNX Runtime session; the graph it optimised is kept, so later loads skip that.

        Optimising the graph was a quarter of a whole `reader search` process (py-spy). The
        kept file is per ONNX Runtime version, at the extended level (no layout changes
        tied to this CPU), and goes away with the export when the model is re-exported.
        """
        if self._session is None:
            import onnxruntime as ort

            ort.disable_telemetry_events()  # no third-party telemetry, ever
            options = ort.SessionOptions()
            if self._threads:
                options.intra_op_num_threads = self._threads
            # Idle worker threads sleep instead of spinning: on a busy machine spinning threads
            # burn the cores the others wait for (int8 batches: 22.4 s -> 17.4 s wall and
            # 8.6 -> 7.0 s CPU at load 19; see bench/embed_speed.py).
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            kept = self.export_dir / f"model.optimized-ort{ort.__version__}.onnx"
            source = self.export_dir / "model.onnx"
            staging = None
            if kept.exists():
                source = kept
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
            else:
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
                staging = kept.with_name(f".{kept.name}.{os.getpid()}.tmp")
                options.optimized_model_filepath = str(staging)
            self._session = ort.InferenceSession(
                str(source), options, providers=["CPUExecutionProvider"]
            )
            if staging is not None:
                try:
                    os.replace(staging, kept)
                except OSError:
                    staging.unlink(missing_ok=True)  # a read-only folder: optimise every time
        return self._session

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return self.tokenizer.token_spans(texts)

    def embed(
        self, texts: Sequence[str], *, batch_size: int = 8, progress: EmbedProgress | None = None
    ) -> np.ndarray:
        # Small batches of similar lengths: least padding, and faster here than 32 or 64.
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = length_order(texts)
        for begin in range(0, len(texts), batch_size):
            picked = order[begin : begin + batch_size]
            batch = self.tokenizer.batch([texts[i] for i in picked])
            hidden = self.session.run(None, {n: batch[n] for n in self.inputs})[0]
            out[picked] = normalize(pool(hidden, batch["attention_mask"], self.pooling))
            if progress is not None:
                progress(min(begin + batch_size, len(texts)))
        return out


# -- int8: ONNX Runtime's dynamic quantisation of an export ------------------------------

INT8 = "int8"
# Mean cosine to the fp32 vectors below which a quantised model is refused (all-MiniLM-L6-v2
# keeps 0.996 here, and SciFact nDCG@10 within 0.01: bench/embed_speed.py).
INT8_MIN_COSINE = 0.99


def variant_id(model_id: str, precision: str) -> str:
    """The id vectors are recorded under: the model's, plus `+int8` for the quantised variant."""
    return model_id if precision != INT8 else f"{model_id}+{INT8}"


def int8_is_current(int8_dir: Path, fp32_dir: Path) -> bool:
    """True when `int8_dir` holds a quantisation of the export now in `fp32_dir`."""
    manifest, base = read_manifest(int8_dir), read_manifest(fp32_dir)
    return (
        manifest is not None
        and base is not None
        and manifest.get("variant") == INT8
        and manifest.get("fingerprint") == base.get("fingerprint")
        and (manifest.get("rejected") is not None or (int8_dir / "model.onnx").exists())
    )


def quantize_export(fp32_dir: Path, int8_dir: Path, check_texts: Sequence[str] = ()) -> dict:
    """Quantise an fp32 export's weights to int8 (MatMul, per channel) into `int8_dir`.

    Built locally from the export; nothing is downloaded. Vectors must stay close to fp32
    (mean cosine >= INT8_MIN_COSINE on `check_texts` and a fixed set); a model that does
    not is recorded as rejected (the manifest says why) and raises UnsupportedModel.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    base = read_manifest(fp32_dir)
    if base is None or base.get("unsupported"):
        raise UnsupportedModel(f"{fp32_dir} holds no ONNX export to quantise")
    int8_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".quantize-", dir=int8_dir.parent))
    try:
        quantize_dynamic(
            str(fp32_dir / "model.onnx"),
            str(staging / "model.onnx"),
            weight_type=QuantType.QInt8,
            per_channel=True,  # per-channel scales: cosine 0.996 against 0.938 per tensor
            op_types_to_quantize=["MatMul"],  # the fused attention stays fp32 (it lost most)
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        shutil.copyfile(fp32_dir / "tokenizer.json", staging / "tokenizer.json")
        manifest = {**base, "variant": INT8}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")
        texts = [*_CHECK_TEXTS, *check_texts]
        fp32 = OnnxEncoder(fp32_dir).embed(texts)
        int8 = OnnxEncoder(staging).embed(texts)
        cosine = float(np.mean(np.sum(fp32 * int8, axis=1)))
        manifest["cosine_to_fp32"] = round(cosine, 5)
        if cosine < INT8_MIN_COSINE:
            manifest["rejected"] = (
                f"int8 vectors differ from fp32 (mean cosine {cosine:.4f} < {INT8_MIN_COSINE})"
            )
            (staging / "model.onnx").unlink()
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")
        if int8_dir.exists():
            shutil.rmtree(int8_dir)
        staging.rename(int8_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    if manifest.get("rejected"):
        raise UnsupportedModel(f"{base['model_id']}: {manifest['rejected']}; using fp32")
    return manifest
