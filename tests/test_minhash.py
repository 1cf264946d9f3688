"""MinHash signatures: bit for bit datasketch's (so stored signatures stay comparable), without
importing datasketch (and scipy behind it) on the path that adds articles."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest

from reader.ml import minhash


def _texts() -> list[str]:
    rng = random.Random(7)
    words = ["river", "stone", "Ångström", "naïve", "42", "data", "x_y", "über", "ciel", "tree"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(30, 400))) for _ in range(25)]
    texts.append("word " * 60)  # one shingle only
    texts.append("Unicode — “quotes”, emoji 🙂 and CJK 漢字 mixed with plain words " * 8)
    return texts


def test_signatures_equal_datasketch_minhash() -> None:
    datasketch = pytest.importorskip("datasketch")
    for text in _texts():
        reference = datasketch.MinHash(num_perm=minhash.NUM_PERM, seed=minhash.SEED)
        reference.update_batch(list(minhash.shingles(text)))
        ours = minhash.signature(text)
        assert ours is not None and ours.dtype == np.uint64
        assert np.array_equal(ours, reference.hashvalues.astype(np.uint64)), text[:40]


def test_short_text_has_no_signature_and_near_copies_score_high() -> None:
    assert minhash.signature("too few words here") is None
    base = " ".join(f"w{i}" for i in range(300))
    near = base.replace("w150", "changed")
    other = " ".join(f"v{i}" for i in range(300))
    sig = minhash.signature(base)
    assert minhash.similarity(sig, minhash.signature(near)) >= minhash.NEAR_DUPLICATE_THRESHOLD
    assert minhash.similarity(sig, minhash.signature(other)) < 0.1


def test_signing_does_not_import_datasketch_or_scipy() -> None:
    code = (
        "import sys\n"
        "from reader.ml.minhash import signature\n"
        "signature('a b c d e f g h i j ' * 10)\n"
        "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
