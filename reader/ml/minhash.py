"""MinHash signatures over word shingles, and the LSH band keys that find candidates.

Arrays in, arrays out: persistence lives in reader/storage/near_dups.py. A text becomes the
set of its lower-cased word 5-grams (blind to wrapping, punctuation and case); 128 MinHash
permutations estimate the Jaccard similarity of two such sets; 32 bands of 4 rows make any
pair above about 0.5 a candidate with probability > 0.87 (above 0.7, > 0.9999). The threshold
was measured with bench/near_dups.py.

The signatures are datasketch's MinHash (its default "affine32" scheme, seed 1), bit for bit,
so that signatures already stored stay comparable; they are computed here with numpy because
importing datasketch pulls in scipy, which cost about 2 s of every `reader add` batch
(py-spy, bench/extraction.py). tests/test_minhash.py checks the equality against datasketch.
"""

from __future__ import annotations

import functools
import hashlib
import re

import numpy as np

NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
SHINGLE_WORDS = 5
SEED = 1
# Estimated Jaccard similarity of word shingles at or above which a text is a near copy.
NEAR_DUPLICATE_THRESHOLD = 0.5
# Texts with fewer words than this are too short to call near copies of anything.
MIN_WORDS = 30

_WORD = re.compile(r"\w+")


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[bytes]:
    """The set of k-word shingles of a text, as bytes."""
    words = _WORD.findall(text.lower())
    if len(words) < k:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i:i + k]).encode("utf-8") for i in range(len(words) - k + 1)}


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature (NUM_PERM uint64) of a text, or None when it is too short."""
    if word_count(text) < MIN_WORDS:
        return None
    grams = shingles(text)
    hashes = np.fromiter(
        (int.from_bytes(hashlib.sha1(gram).digest()[:4], "little") for gram in grams),
        dtype=np.uint32,
        count=len(grams),
    )
    a, b = _permutations()
    # One row per shingle, one column per permutation; uint32 arithmetic wraps (mod 2**32).
    permuted = _fmix32(hashes)[:, None] * a + b
    return permuted.min(axis=0).astype(np.uint64)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, a fixed bijection that spreads the input hashes."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The NUM_PERM affine permutations h -> a*h + b (mod 2**32, a odd) drawn from SEED."""
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def band_keys(sig: np.ndarray) -> list[bytes]:
    """One key per band: equal keys in any band make two texts candidates."""
    keys = []
    for band in range(BANDS):
        chunk = sig[band * ROWS:(band + 1) * ROWS].astype("<u8").tobytes()
        keys.append(hashlib.blake2b(chunk, digest_size=8).digest())
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return float(np.mean(a == b))
