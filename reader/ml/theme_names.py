"""When a theme found again keeps its name: a rule with hysteresis.

A theme's automatic name is fixed together with an *anchor*: the ids of the theme's top
articles (by normalised activation, the same ranking `themes show` uses) at the moment the
name was given. On a later training that matches the theme again (its decoder direction at
cosine >= MATCH_COSINE to the old one), the name is kept while either

  - the anchor still overlaps the theme's current top articles (Jaccard >= KEEP_OVERLAP), or
  - a word of the name is still among the theme's current top KEEP_KEYWORDS c-TF-IDF terms.

Only when both fail has what the theme covers changed enough; it then takes its new label,
and the anchor moves to its current top articles. The hysteresis is in the anchor: it is not
updated while the name is kept, so small steps never accumulate into a rename back and
forth, and a renamed theme needs another large move away from its *new* anchor to change
again. Names the user gave (and names from a language model) are never touched by this.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

KEEP_OVERLAP = 0.34  # a third of the top articles in common: still the same subject
KEEP_KEYWORDS = 10


def jaccard(a: Iterable[int], b: Iterable[int]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def label_words(label: str) -> set[str]:
    """The words of an automatic label ("mobile phones / broadband" -> 3 words)."""
    return {w for part in label.split("/") for w in part.split() if w}


def keeps_name(old_label: str, anchor: Sequence[int], keywords: Sequence[str],
               top_articles: Iterable[int]) -> bool:
    """Whether a matched theme keeps `old_label` (see the module doc)."""
    if not old_label or old_label == "(unnamed)":
        return False
    if anchor and jaccard(anchor, top_articles) >= KEEP_OVERLAP:
        return True
    words = {w for k in keywords[:KEEP_KEYWORDS] for w in k.split()}
    return bool(label_words(old_label) & words)
