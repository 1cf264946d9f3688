"""Group a window's articles into digest sections by theme, and say what rose and faded.

Pure functions over plain data, so they are tested without a trained model:
`strengths` maps an article id to its (theme id, strength) pairs, strength in [0, 1] and
comparable across themes; `background` is each theme's mean strength over the whole library.

A theme's weight in a window is its mass there (the sum of its articles' strengths) times its
lift, window share over library share: what this window was about, not what is always there.
Each article goes under the theme it is most about, and nowhere else: when its theme's section
is dropped (too many sections, or one weak article), it moves only to a theme it is nearly as
much about, else to "Also read". A section holding more than a third of the digest is split by
its fine themes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reader.services.digest.wording import WindowWords, count, join_words, reads_as_words

Strengths = Mapping[int, Sequence[tuple[int, float]]]

MIN_STRENGTH = 0.15  # below this an article is not "about" a theme at all
STRONG = 0.5  # a theme's only article must be at least this strong to keep its own section
MAX_SECTIONS = 7  # more subheads than this stops being a newsletter
SMOOTHING = 0.02  # added to both shares so a rare theme's lift stays finite
NEAR_TOP = 0.8  # a second theme takes an article only when this close to its strongest
MAX_SHARE = 1 / 3  # a section larger than this share of the digest is split by fine themes
MIN_SPLIT = 6  # ...when it holds at least this many articles


@dataclass
class Section:
    theme_id: int
    label: str
    weight: float
    lift: float
    article_ids: list[int] = field(default_factory=list)
    theme_label: str = ""  # the theme's own label when `label` is a heading made for it
    made: bool = False  # `label` is a word picked from the articles, not the theme's name


@dataclass
class SectionPlan:
    sections: list[Section]
    also_read: list[int]  # article ids, in the order they were given

    def largest_share(self) -> float:
        """The largest section's share of all the articles planned."""
        total = sum(len(s.article_ids) for s in self.sections) + len(self.also_read)
        biggest = max((len(s.article_ids) for s in self.sections), default=0)
        return biggest / total if total else 0.0


def theme_shares(strengths: Strengths, themes: Sequence[int], n_articles: int) -> dict[int, float]:
    """Mean strength of each theme over `n_articles` articles (absent counts as 0)."""
    wanted = set(themes)
    totals: dict[int, float] = defaultdict(float)
    for pairs in strengths.values():
        for theme_id, strength in pairs:
            if theme_id in wanted:
                totals[theme_id] += strength
    return {t: totals[t] / n_articles if n_articles else 0.0 for t in themes}


def lift(window_share: float, library_share: float) -> float:
    """How much more present a theme is in the window than in the library (1: as usual)."""
    return (window_share + SMOOTHING) / (library_share + SMOOTHING)


def plan_sections(
    article_ids: Sequence[int],
    strengths: Strengths,
    labels: Mapping[int, str],
    background: Mapping[int, float],
    *,
    min_strength: float = MIN_STRENGTH,
    strong: float = STRONG,
    max_sections: int = MAX_SECTIONS,
) -> SectionPlan:
    """Sections (themes in `labels` only), heaviest first, and the articles left for "Also read"."""
    candidates = list(labels)
    best: dict[int, list[tuple[float, int]]] = {}
    for article_id in article_ids:
        pairs = [
            (s, t) for t, s in strengths.get(article_id, ()) if t in labels and s >= min_strength
        ]
        best[article_id] = sorted(pairs, key=lambda p: (-p[0], p[1]))
    shares = theme_shares(strengths, candidates, len(article_ids))
    lifts = {t: lift(shares[t], background.get(t, 0.0)) for t in candidates}

    allowed = set(candidates)
    while True:
        groups = _assign(article_ids, best, allowed)
        groups = {t: ids for t, ids in groups.items() if _keeps_section(ids, t, best, strong)}
        weights = {
            t: sum(_strength(best[a], t) for a in ids) * lifts[t] for t, ids in groups.items()
        }
        ranked = sorted(groups, key=lambda t: (-weights[t], t))
        if len(ranked) <= max_sections:
            break
        # Drop the lightest section; its articles move to their next strongest theme.
        allowed.discard(ranked[-1])

    placed = {a for ids in groups.values() for a in ids}
    sections = [
        Section(
            t,
            labels[t],
            round(weights[t], 6),
            round(lifts[t], 6),
            sorted(groups[t], key=lambda a: (-_strength(best[a], t), a)),
        )
        for t in ranked
    ]
    return SectionPlan(sections, [a for a in article_ids if a not in placed])


def _assign(
    article_ids: Sequence[int], best: Mapping[int, list[tuple[float, int]]], allowed: set[int]
) -> dict[int, list[int]]:
    """Each article under its strongest allowed theme, if it is nearly as much about it as
    about its strongest theme of all; else under none (it goes to "Also read")."""
    groups: dict[int, list[int]] = defaultdict(list)
    for article_id in article_ids:
        pairs = best[article_id]
        if not pairs:
            continue
        top = pairs[0][0]
        for strength, theme_id in pairs:
            if strength < NEAR_TOP * top:
                break
            if theme_id in allowed:
                groups[theme_id].append(article_id)
                break
    return groups


def split_large(
    plan: SectionPlan,
    strengths: Strengths,
    fine: Mapping[int, tuple[str, int]],
    *,
    max_share: float = MAX_SHARE,
    min_split: int = MIN_SPLIT,
    min_strength: float = MIN_STRENGTH,
    max_sections: int = MAX_SECTIONS,
) -> SectionPlan:
    """Split each section over `max_share` of the digest by its fine themes.

    fine: fine theme id -> (label, broad parent id). An article goes under the fine theme of
    its section it is most about; fine themes with a single article give it back to the
    broad section, which keeps what no fine theme took. While there are more than
    `max_sections` sections, the smallest split-off section goes back to its broad section
    when that stays within `max_share`.
    """
    total = sum(len(s.article_ids) for s in plan.sections) + len(plan.also_read)
    out: list[Section] = []
    parents: dict[int, int] = {}  # split-off fine theme -> the broad theme it came from
    original = {s.theme_id: list(s.article_ids) for s in plan.sections}
    for section in plan.sections:
        size = len(section.article_ids)
        if size <= max_share * total or size < min_split:
            out.append(section)
            continue
        children = {t for t, (_label, parent) in fine.items() if parent == section.theme_id}
        groups: dict[int, list[int]] = defaultdict(list)
        rest: list[int] = []
        for article_id in section.article_ids:
            pairs = [
                (s, t) for t, s in strengths.get(article_id, ()) if t in children and s >= min_strength
            ]
            if pairs:
                groups[max(pairs, key=lambda p: (p[0], -p[1]))[1]].append(article_id)
            else:
                rest.append(article_id)
        kept = {t: ids for t, ids in groups.items() if len(ids) > 1}
        rest += [a for t, ids in groups.items() if len(ids) == 1 for a in ids]
        if len(kept) + (1 if rest else 0) < 2:
            out.append(section)
            continue
        for theme_id in sorted(kept, key=lambda t: (-len(kept[t]), t)):
            ids = [a for a in section.article_ids if a in set(kept[theme_id])]
            out.append(Section(theme_id, fine[theme_id][0], section.weight, section.lift, ids))
        if rest:
            ids = [a for a in section.article_ids if a in set(rest)]
            out.append(Section(section.theme_id, section.label, section.weight, section.lift, ids))
        parents.update({theme_id: section.theme_id for theme_id in kept})
    while len(out) > max_sections:
        folded = False
        for child in sorted(out, key=lambda c: (len(c.article_ids), -out.index(c))):
            parent_id = parents.get(child.theme_id)
            home = next((c for c in out if c.theme_id == parent_id), None)
            if home is None or home is child:
                continue
            if len(home.article_ids) + len(child.article_ids) > max_share * total:
                continue
            home.article_ids = [
                a for a in original[parent_id] if a in {*home.article_ids, *child.article_ids}
            ]
            out.remove(child)
            folded = True
            break
        if not folded:
            break
    return SectionPlan(out, plan.also_read)


def _keeps_section(
    ids: list[int], theme_id: int, best: Mapping[int, list[tuple[float, int]]], strong: float
) -> bool:
    return len(ids) > 1 or _strength(best[ids[0]], theme_id) >= strong


def _strength(pairs: list[tuple[float, int]], theme_id: int) -> float:
    return next((s for s, t in pairs if t == theme_id), 0.0)


@dataclass
class Trend:
    top: list[str]  # the window's heaviest sections
    rising: list[str]  # more present than in the previous window
    fading: list[str]  # present before, much less now
    compared: bool  # whether there was a previous window to compare with
    prose: list[str] | None = None  # the top sections' names that may enter a sentence


def describe_trend(
    plan: SectionPlan,
    current: Mapping[int, float],
    previous: Mapping[int, float] | None,
    labels: Mapping[int, str],
    *,
    top_n: int = 3,
    min_change: float = 0.05,
) -> Trend:
    """Top sections, and the themes whose share rose or fell most against the previous window.

    current/previous: each theme's mean strength over the window's read articles.
    """
    top = [s.label for s in plan.sections[:top_n]]
    # A word picked from the articles to head a section ("downloading") names no thread in prose.
    prose = [s.label for s in plan.sections[:top_n] if not s.made or len(s.label.split()) > 1]
    if not previous:
        return Trend(top, [], [], compared=False, prose=prose)
    changes = {t: current.get(t, 0.0) - previous.get(t, 0.0) for t in labels}
    section_ids = {s.theme_id for s in plan.sections}
    rising = sorted(
        (t for t in section_ids if changes.get(t, 0.0) >= min_change), key=lambda t: -changes[t]
    )
    fading = sorted(
        (t for t in labels if t not in section_ids and changes[t] <= -min_change),
        key=lambda t: changes[t],
    )
    return Trend(
        top, [labels[t] for t in rising[:2]], [labels[t] for t in fading[:2]], True, prose=prose
    )


def intro_line(trend: Trend, n_read: int, words: WindowWords, n_saved: int = 0) -> str:
    """One sentence to open "What I read", in the window's own words.

    Theme labels enter the sentence only when they read as words; else "a few threads".
    """
    when = words.period
    if n_read == 0:
        saved = count(n_saved, "piece") if n_saved else "a few things"
        return f"I did not finish anything {when}, but I saved {saved} for later."
    line = f"{words.sentence_start()} I read {count(n_read, 'piece')}"
    named = trend.top if trend.prose is None else trend.prose
    readable = [t for t in named if reads_as_words(t)]
    if n_read == 1:
        return line + (f", on {readable[0]}." if readable else ".")
    if readable and n_read >= 3:
        line += f", mostly on {join_words(readable)}"
    elif len(trend.top) >= 2:
        line += " across a few threads"
    clauses = []
    rising = [t for t in trend.rising if reads_as_words(t)]
    fading = [t for t in trend.fading if reads_as_words(t)]
    if rising:
        clauses.append(f"{join_words(rising)} came up more than {words.before}")
    if fading:
        clauses.append(f"{join_words(fading)} faded")
    if clauses:
        line += "; " + ", and ".join(clauses)
    return line + "."
