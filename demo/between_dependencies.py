"""A live use case flagged by a deprecated model in the demo: "Collections call prioritisation" (paused, still
running) calls Northwind Atlas 3.5, which the registry lists as deprecated. The registry is seeded with that
status, so no status change announced it; the governance admin records the deprecation for its dependents as
``ai_model_status_set`` would have: the flag, the architecture and security re-review and the email follow.
Running it again changes nothing (a flag is raised once)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from reviews.models import DependencyKind
from reviews.services import dependencies
from vendors.choices import ModelStatus
from vendors.models import AIModel

from .people import GOVERNANCE_ADMIN

MODEL = ("Northwind AI", "Northwind Atlas", "3.5")


def seed_deprecated_model_flag() -> None:
    provider, name, version = MODEL
    model = AIModel.objects.filter(provider__name=provider, name=name, version=version,
                                   status=ModelStatus.DEPRECATED).select_related("provider").first()
    admin = get_user_model().objects.filter(username=GOVERNANCE_ADMIN).first()
    if model is None or admin is None:
        return
    dependencies.dependency_changed(kind=DependencyKind.MODEL, object_id=model.pk, name=str(model),
                                    status=model.status, actor=admin, note=model.notes)
