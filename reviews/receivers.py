"""Reactions of the review layer to the registries below it (vendors.signals)."""

from django.dispatch import receiver

from reviews import dependency_tasks  # noqa: F401  (registers the tasks with the worker)
from reviews.models import DependencyKind
from reviews.services import dependencies
from vendors.signals import model_status_changed, vendor_status_changed


@receiver(model_status_changed, dispatch_uid="reviews.model_dependency_flags")
def _model_status_changed(sender, *, model, actor, note="", **_kwargs):
    dependencies.dependency_changed(kind=DependencyKind.MODEL, object_id=model.pk, name=str(model),
                                    status=model.status, actor=actor, note=note)


@receiver(vendor_status_changed, dispatch_uid="reviews.vendor_dependency_flags")
def _vendor_status_changed(sender, *, vendor, status, actor, note="", **_kwargs):
    dependencies.dependency_changed(kind=DependencyKind.VENDOR, object_id=vendor.pk, name=vendor.name,
                                    status=status, actor=actor, note=note)
