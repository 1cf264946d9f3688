"""Embedders: the fake one for tests, the model's tokenizer, pooling, and the ONNX export
against sentence-transformers itself (the real packaged model)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reader.errors import BadInput
from reader.ml.embedder import (
    FakeEmbedder,
    ModelSource,
    WordPieceTokenizer,
    resolve_model,
    sentence_config,
)
from reader.ml.onnx_encoder import (
    OnnxEncoder,
    UnsupportedModel,
    export_folder,
    export_is_current,
    export_onnx,
    pool,
)

PARITY_TEXTS = [
    "How do bees find their way back to the hive?",
    "x",
    "",
    "   leading and trailing spaces   ",
    "Ünïcödé, emoji 🌱 and numbers 3.14159 in one line!",
    "A long passage that goes past what the model reads. " * 40,  # truncated at 256 word pieces
    "Sourdough starters are yeast and bacteria living together in flour and water.",
]


@pytest.fixture(scope="session")
def packaged_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """all-MiniLM-L6-v2 exported once per test session (shared with the search tests)."""
    return make_packaged_export(tmp_path_factory)


def make_packaged_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = resolve_model("all-MiniLM-L6-v2")
    folder = export_folder(tmp_path_factory.getbasetemp() / "models", source.model_id)
    if not export_is_current(folder, source):
        export_onnx(source, folder)
    return folder


def test_fake_embedder_is_deterministic_normalised_and_counts_calls() -> None:
    fake = FakeEmbedder(dimension=32)
    first = fake.embed(["bread and butter", "stars at night", ""])
    again = FakeEmbedder(dimension=32).embed(["bread and butter", "stars at night", ""])
    assert first.dtype == np.float32 and first.shape == (3, 32)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(first, again)
    assert fake.embedded == 3
    close = fake.embed(["bread with butter"])[0] @ first[0]
    far = fake.embed(["telescopes and comets"])[0] @ first[0]
    assert close > far


def test_resolve_model_packaged_folder_and_unknown_name(tmp_path: Path) -> None:
    packaged = resolve_model("all-MiniLM-L6-v2")
    assert packaged.model_id == "all-MiniLM-L6-v2"
    assert (packaged.folder / "modules.json").exists()
    assert resolve_model(str(packaged.folder)).folder == packaged.folder.resolve()
    with pytest.raises(BadInput, match="neither a folder nor a model available offline"):
        resolve_model("nobody/no-such-model-here")


def test_sentence_config_reads_the_pipeline_not_assumptions() -> None:
    config = sentence_config(resolve_model("all-MiniLM-L6-v2").folder)
    assert config["modules"] == ["Transformer", "Pooling", "Normalize"]
    assert config["max_seq_length"] == 256
    assert config["pooling"]["pooling_mode_mean_tokens"] is True


def test_tokenizer_batches_truncate_at_the_model_length_not_the_file_default() -> None:
    source = resolve_model("all-MiniLM-L6-v2")
    tokenizer = WordPieceTokenizer(source.folder / "tokenizer.json", 256)
    batch = tokenizer.batch(["short text", "word " * 600])
    # tokenizer.json itself says 128 and fixed padding; sentence-transformers reads 256.
    assert batch["input_ids"].shape == (2, 256)
    assert batch["attention_mask"][0].sum() == 4  # [CLS] short text [SEP]
    assert tokenizer.special_tokens == 2
    assert len(tokenizer.token_spans(["word " * 600])[0]) == 600  # counting never truncates


def test_pooling_modes_match_their_definitions() -> None:
    rng = np.random.default_rng(0)
    hidden = rng.normal(size=(2, 4, 3)).astype(np.float32)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]])
    mean = pool(hidden, mask, ["pooling_mode_mean_tokens"])
    np.testing.assert_allclose(mean[0], hidden[0, :2].mean(axis=0), rtol=1e-6)
    cls = pool(hidden, mask, ["pooling_mode_cls_token"])
    np.testing.assert_array_equal(cls, hidden[:, 0])
    biggest = pool(hidden, mask, ["pooling_mode_max_tokens"])
    np.testing.assert_allclose(biggest[0], hidden[0, :2].max(axis=0))
    both = pool(hidden, mask, ["pooling_mode_cls_token", "pooling_mode_mean_tokens"])
    assert both.shape == (2, 6)


def test_export_refuses_pipelines_it_cannot_reproduce(tmp_path: Path) -> None:
    packaged = resolve_model("all-MiniLM-L6-v2").folder
    folder = tmp_path / "model"
    folder.mkdir()
    modules = json.loads((packaged / "modules.json").read_text())
    modules.append(
        {"idx": 3, "name": "3", "path": "3_Dense", "type": "sentence_transformers.models.Dense"}
    )
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        (packaged / "1_Pooling" / "config.json").read_text()
    )
    with pytest.raises(UnsupportedModel, match="Dense"):
        export_onnx(ModelSource("custom", folder), tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_onnx_export_gives_sentence_transformers_vectors(packaged_export: Path) -> None:
    from sentence_transformers import SentenceTransformer

    source = resolve_model("all-MiniLM-L6-v2")
    reference = SentenceTransformer(str(source.folder), device="cpu").encode(
        PARITY_TEXTS, normalize_embeddings=True
    )
    encoder = OnnxEncoder(packaged_export)
    assert (encoder.model_id, encoder.dimension, encoder.max_tokens) == (
        "all-MiniLM-L6-v2",
        384,
        256,
    )
    for batch_size in (1, 3, 32):  # padding must not change a vector
        ours = encoder.embed(PARITY_TEXTS, batch_size=batch_size)
        cosines = np.sum(ours * reference, axis=1)
        assert cosines.min() >= 0.999, cosines
    assert export_is_current(packaged_export, source)


def test_int8_variant_is_built_locally_close_to_fp32_and_named_apart(
    packaged_export: Path, tmp_path: Path
) -> None:
    from reader.ml.onnx_encoder import int8_is_current, quantize_export, read_manifest

    folder = tmp_path / "int8"
    manifest = quantize_export(packaged_export, folder)
    assert manifest["variant"] == "int8" and manifest["cosine_to_fp32"] >= 0.99
    assert int8_is_current(folder, packaged_export)
    assert (folder / "model.onnx").stat().st_size < (packaged_export / "model.onnx").stat().st_size
    int8, fp32 = OnnxEncoder(folder), OnnxEncoder(packaged_export)
    assert (int8.model_id, int8.dimension) == ("all-MiniLM-L6-v2+int8", 384)
    assert fp32.model_id == "all-MiniLM-L6-v2"
    texts = [t for t in PARITY_TEXTS if t.strip()]
    cosines = np.sum(int8.embed(texts) * fp32.embed(texts), axis=1)
    assert cosines.min() >= 0.97, cosines
    assert read_manifest(folder)["fingerprint"] == read_manifest(packaged_export)["fingerprint"]


def test_int8_that_drifts_from_fp32_is_refused_and_remembered(
    packaged_export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reader.ml import onnx_encoder
    from reader.ml.onnx_encoder import int8_is_current, quantize_export, read_manifest

    monkeypatch.setattr(onnx_encoder, "INT8_MIN_COSINE", 1.01)  # no quantised model can pass
    folder = tmp_path / "int8"
    with pytest.raises(UnsupportedModel, match="using fp32"):
        quantize_export(packaged_export, folder)
    assert "mean cosine" in read_manifest(folder)["rejected"]
    assert not (folder / "model.onnx").exists()
    assert int8_is_current(folder, packaged_export)  # not retried on every run


def test_the_optimised_graph_is_kept_and_gives_the_same_vectors(
    packaged_export: Path, tmp_path: Path
) -> None:
    import shutil

    folder = tmp_path / "export"
    shutil.copytree(packaged_export, folder)
    for kept in folder.glob("model.optimized-*.onnx"):
        kept.unlink()
    texts = [t for t in PARITY_TEXTS if t.strip()]
    first = OnnxEncoder(folder).embed(texts)
    assert len(list(folder.glob("model.optimized-ort*.onnx"))) == 1
    assert not list(folder.glob(".*.tmp"))
    second = OnnxEncoder(folder).embed(texts)  # loads the kept graph
    assert np.sum(first * second, axis=1).min() >= 0.9999
