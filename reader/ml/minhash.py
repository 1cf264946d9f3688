"""MinHash signatures over word shingles, and the LSH band keys that find candidates.

Arrays in, arrays out: persistence lives in reader/storage/near_dups.py. A text becomes the
set of its lower-cased word 5-grams (blind to wrapping, punctuation and case); 128 MinHash
permutations (datasketch) estimate the Jaccard similarity of two such sets; 32 bands of 4 rows
make any pair above about 0.5 a candidate with probability > 0.87 (above 0.7, > 0.9999).
The threshold was measured with bench/near_dups.py.
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
    from datasketch import MinHash

    if word_count(text) < MIN_WORDS:
        return None
    template = _template()
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=template.permutations,
                      scheme=template.scheme)
    minhash.update_batch(list(shingles(text)))
    return minhash.hashvalues.astype(np.uint64)


@functools.cache
def _template():
    """A MinHash whose seeded permutations are made once per process (they cost more than
    hashing a text); signatures made with them equal those of a fresh MinHash(seed=SEED)."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED)


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
