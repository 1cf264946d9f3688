"""Search results and how rankings become one: fusion parameters, rankings, hits."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from reader.index import fts


@dataclass(frozen=True)
class FusionParams:
    """How rankings are fused; tuned on SciFact's train queries (bench/search_quality.py)."""

    # "scores": keyword_share * BM25 / best BM25 + (1 - keyword_share) * cosine scaled to [0, 1]
    # over the candidates; "rrf": weighted reciprocal-rank fusion. Scores won on SciFact.
    method: str = "scores"
    keyword_share: float = 0.45
    k: float = 60.0  # reciprocal-rank constant
    keyword_weight: float = 1.0
    semantic_weight: float = 1.0
    depth: int = 100  # articles taken from each ranking
    second_chunk: float = 0.3  # hybrid: weight of an article's second-best chunk in its score
    title_weight: float = 4.0  # BM25 weight of the title column against the text's 1.0


@dataclass
class SearchHit:
    article_id: int
    title: str | None
    url: str
    state: str
    site: str | None
    added_at: str | None
    score: float
    keyword_rank: int | None = None  # 1-based rank in the keyword ranking
    semantic_rank: int | None = None
    # Cosine of the best passage (in hybrid, plus a share of the second best: FusionParams).
    semantic_score: float | None = None
    chunk_id: int | None = None
    snippet: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)  # marked words, in the snippet

    def marked(self, before: str = "**", after: str = "**") -> str:
        """The snippet with its matched words between `before` and `after`."""
        out, position = [], 0
        for start, end in self.spans:
            out += [self.snippet[position:start], before, self.snippet[start:end], after]
            position = end
        out.append(self.snippet[position:])
        return "".join(out)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["id"] = data.pop("article_id")
        data["spans"] = [list(s) for s in self.spans]
        data["snippet_marked"] = self.marked()
        return data


@dataclass
class SearchResults:
    query: str
    mode: str
    hits: list[SearchHit]
    notices: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "mode": self.mode,
            "notices": self.notices,
            "results": [hit.to_dict() for hit in self.hits],
        }


@dataclass
class Rankings:
    """What each search method found, before fusion."""

    parsed: fts.ParsedQuery
    keyword: list[tuple[int, float]] = field(default_factory=list)  # (article, BM25)
    semantic: list[tuple[int, float, int]] = field(default_factory=list)  # (article, score, chunk)
    notices: list[str] = field(default_factory=list)


def fuse(
    keyword: list[tuple[int, float]],
    semantic: list[tuple[int, float, int]],
    mode: str,
    params: FusionParams,
) -> list[tuple[int, float]]:
    """One ranking of (article id, score): weighted reciprocal-rank fusion in hybrid mode."""
    if mode == "keyword" or not semantic:
        return [(aid, score) for aid, score in keyword]
    if mode == "semantic" or not keyword:
        return [(aid, score) for aid, score, _ in semantic]
    if params.method not in ("scores", "rrf"):
        raise ValueError(f"unknown fusion method {params.method!r}")
    fused: dict[int, float] = {}
    if params.method == "rrf":
        for rank, (aid, _) in enumerate(keyword, start=1):
            fused[aid] = fused.get(aid, 0.0) + params.keyword_weight / (params.k + rank)
        for rank, (aid, _, _) in enumerate(semantic, start=1):
            fused[aid] = fused.get(aid, 0.0) + params.semantic_weight / (params.k + rank)
    else:
        # Scores keep what ranks lose: how far ahead the best matches are.
        best = max(score for _, score in keyword) or 1.0
        share = params.keyword_share
        for aid, score in keyword:
            fused[aid] = share * score / best
        low, high = semantic[-1][1], semantic[0][1]
        spread = (high - low) or 1.0
        for aid, score, _ in semantic:
            fused[aid] = fused.get(aid, 0.0) + (1 - share) * (score - low) / spread
    return sorted(fused.items(), key=lambda item: -item[1])
