"""One gate criterion: what must be true, whether it is, and where its evidence lives."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    met: bool
    detail: str = ""
    link: str = ""

    def as_dict(self) -> dict:
        return asdict(self)
