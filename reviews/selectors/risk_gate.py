"""The risk register at the gates (work in progress)."""

from __future__ import annotations

from intake.models import UseCase

from .criteria import Criterion


def risk_area_criteria(use_case: UseCase) -> list[Criterion]:
    return []


def risk_threshold_criteria(use_case: UseCase) -> list[Criterion]:
    return []
