"""Typed artefacts at the gates (work in progress)."""

from __future__ import annotations

from intake.models import UseCase

from .criteria import Criterion


def artefact_criteria(use_case: UseCase, to_stage: str) -> list[Criterion]:
    return []
