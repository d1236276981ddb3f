"""Audit dossiers: the PDF of one use case's whole record, and where it is on its way to that PDF."""

from __future__ import annotations

from rest_framework import serializers

from reports.models import Dossier, PackStatus

from .common import ChoiceField, ReadSerializer

# The pack's statuses, worded for a dossier: its own choice set, so the schema names its own enum
# (DossierStatusEnum) instead of one shared under a made-up name with the board packs'.
DOSSIER_STATUSES = [
    (PackStatus.QUEUED.value, "Queued: waiting for a worker to render it"),
    (PackStatus.RUNNING.value, "Running: being rendered"),
    (PackStatus.READY.value, "Ready: the PDF can be downloaded"),
    (PackStatus.FAILED.value, "Failed: see error, and ask for a new one"),
]


class DossierSerializer(ReadSerializer):
    """An audit dossier: queued, running, ready (with its PDF) or failed (with why)."""

    use_case = serializers.CharField(source="use_case.reference", help_text="The use case's reference.")
    status = ChoiceField(choices=DOSSIER_STATUSES)
    requested_by = serializers.CharField(source="requested_by.username", allow_null=True,
                                         help_text="Who asked for it (null once that account is gone).")
    pdf = serializers.SerializerMethodField(help_text="Where to download the PDF once ready, else null.")

    class Meta:
        model = Dossier
        fields = ("id", "use_case", "status", "error", "requested_by", "requested_at", "generated_at", "pages",
                  "pdf", "updated_at")
        extra_kwargs = {
            "error": {"help_text": "Why it failed, in words (empty unless failed): ask for a new one."},
            "pages": {"help_text": "How many pages the PDF has, once ready."},
        }

    def get_pdf(self, dossier: Dossier) -> str | None:
        if dossier.status != PackStatus.READY:
            return None
        request = self.context.get("request")
        path = f"/api/v1/dossiers/{dossier.pk}/pdf/"
        return request.build_absolute_uri(path) if request else path
