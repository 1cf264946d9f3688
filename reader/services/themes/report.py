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
        from reader.services.themes.quality import verdict

        if self.kind == "unchanged":
            return (f"nothing new since the last training: {self.broad} broad and {self.fine} "
                    f"fine themes kept as they were. {verdict(self.metrics).text}.")
        return (f"{self.kind} training on {self.model}: {self.broad} broad and {self.fine} fine "
                f"themes ({self.hidden} hidden as generic or mixed), {len(self.new)} new, "
                f"{self.kept} kept, {self.retired} retired. {verdict(self.metrics).text}.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
