"""Where intake's edges find the use-case workflow.

Submitting a use case or changing its answers starts work in apps that
depend on intake (reviews open and reopen). Intake may not import them, so
the composition root names the module in ``settings.USE_CASE_WORKFLOW``;
its ``use_case_submit``, ``use_case_update`` and ``use_case_override_tier`` are what the pages, the
admin and the API call. Intake's own services are the default.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.conf import settings


def workflow() -> ModuleType:
    return import_module(getattr(settings, "USE_CASE_WORKFLOW", "intake.services"))


def use_case_submit(**kwargs):
    return workflow().use_case_submit(**kwargs)


def use_case_override_tier(**kwargs):
    return workflow().use_case_override_tier(**kwargs)


def use_case_update(**kwargs):
    return workflow().use_case_update(**kwargs)
