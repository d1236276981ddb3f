"""The compliance pages (docs/architecture.md): the registers (``registers``, presented by ``presenting``), the
changes made on them (``changes``) and the reference pages (``reference``)."""

from .changes import (
    evidence_download,
    evidence_remove,
    obligation_link,
    obligation_owner,
    obligation_status,
    obligation_upload,
)
from .reference import coverage_panel, framework, index, requirement
from .registers import organisation, use_case

__all__ = ["coverage_panel", "evidence_download", "evidence_remove", "framework", "index", "obligation_link",
           "obligation_owner", "obligation_status", "obligation_upload", "organisation", "requirement", "use_case"]
