"""Evidence files and the artefacts they are: type, metrics, a reviewer's rejection.

The upload is multipart (the file, and beside it the type's key and the metrics as a JSON string); the input
checks only shapes, and what the type and metrics must be is ``reviews.services.evidence_add``'s to say, at the
same field names.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.urls import reverse
from rest_framework import serializers

from reviews.models import EvaluationMetric, Evidence
from reviews.services.artefacts import MAX_METRICS

from .common import InputSerializer, ReadSerializer, UTCDateTimeField

MAX_ID = 2**63 - 1


class EvaluationMetricSerializer(serializers.ModelSerializer):
    """One metric of an evaluation report against its acceptance threshold."""

    threshold = serializers.DecimalField(max_digits=14, decimal_places=4, coerce_to_string=True)
    result = serializers.DecimalField(max_digits=14, decimal_places=4, coerce_to_string=True)
    met = serializers.BooleanField(help_text="The result is on the right side of the threshold.")

    class Meta:
        model = EvaluationMetric
        fields = ("name", "threshold", "result", "higher_is_better", "met")


class ArtefactSerializer(ReadSerializer):
    """An evidence file of a use case: the artefact it is (null for a plain file), its metrics and whether a
    reviewer rejected it."""

    use_case = serializers.CharField(source="use_case.reference")
    review = serializers.IntegerField(source="review_id", allow_null=True)
    artefact_type = serializers.CharField(source="artefact_type.key", allow_null=True,
                                          help_text="The artefact type's key; null for a plain evidence file.")
    artefact_type_name = serializers.CharField(source="artefact_type.name", allow_null=True)
    metrics = EvaluationMetricSerializer(many=True, help_text="An evaluation report's metrics; else empty.")
    uploaded_by = serializers.CharField(source="uploaded_by.username")
    rejected = serializers.SerializerMethodField(help_text="A reviewer rejected it: it meets no requirement.")
    rejected_by = serializers.CharField(source="rejected_by.username", allow_null=True)
    rejected_at = UTCDateTimeField(allow_null=True)
    download = serializers.SerializerMethodField(help_text="Where to download the file.")

    class Meta:
        model = Evidence
        fields = ("id", "use_case", "review", "artefact_type", "artefact_type_name", "original_name", "content_type",
                  "size", "metrics", "uploaded_by", "uploaded_at", "rejected", "rejected_by", "rejected_at",
                  "rejection_reason", "download", "updated_at")

    def get_rejected(self, evidence: Evidence) -> bool:
        return evidence.rejected_at is not None

    def get_download(self, evidence: Evidence) -> str:
        request = self.context.get("request")
        # Reversed, not spelled out: it follows where the API is mounted (a script prefix, a renamed route).
        path = reverse("api:artefact-file", args=[evidence.pk])
        return request.build_absolute_uri(path) if request else path


class ArtefactUploadSerializer(InputSerializer):
    """A file to attach to the use case, optionally as an artefact its tier requires (multipart/form-data)."""

    file = serializers.FileField(help_text="PDF, PNG, JPEG, DOCX, XLSX, CSV or TXT, up to 10 MB.")
    artefact_type = serializers.CharField(
        required=False, allow_blank=True, max_length=40,
        help_text="The artefact type's key (e.g. impact_assessment, evaluation_report); blank for a plain file.")
    metrics = serializers.CharField(
        required=False, allow_blank=True, max_length=20000,
        help_text=f"An evaluation report's metrics as a JSON list of up to {MAX_METRICS} objects "
                  '{"name", "threshold", "result", "higher_is_better"} (numbers with at most 4 decimal places).')
    review = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID,
                                      help_text="The id of one of its reviews the file belongs to.")

    def validate_artefact_type(self, value: str) -> str | None:
        return value or None

    def validate_metrics(self, value: str) -> list | None:
        if not value.strip():
            return None
        try:
            parsed = json.loads(value, parse_float=Decimal)
        except (ValueError, RecursionError):
            raise serializers.ValidationError("Give the metrics as a JSON list of objects.") from None
        if not isinstance(parsed, list):
            raise serializers.ValidationError("Give the metrics as a JSON list of objects.")
        return parsed


class ArtefactRejectSerializer(InputSerializer):
    """Why a reviewer rejects the artefact."""

    reason = serializers.CharField(max_length=2000, help_text="10 to 2000 characters: what the team must fix.")
