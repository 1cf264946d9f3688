"""What a training did, for the CLI, the TUI and the benches."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class TrainReport:
    run_id: int
    kind: str
    model: str
    reasons: list[str]
    metrics: dict[str, Any]
    broad: int
    fine: int
    hidden: int
    new: list[int] = field(default_factory=list)
    kept: int = 0
    retired: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        m = self.metrics
        return (f"{self.kind} training on {self.model}: {self.broad} broad and {self.fine} fine "
                f"themes ({self.hidden} hidden as facets), {len(self.new)} new, {self.kept} kept, "
                f"{self.retired} retired; held-out FVU {m.get('fvu_heldout')}, L0 {m.get('l0')}, "
                f"dead {m.get('dead_frac', 0):.1%}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
