"""Risk acceptances: the gate's A accepts a risk over its escalation threshold until a day (then it blocks again).

The input checks only the shape (an id, strings, an ISO date); what an acceptance must say (a rationale and
compensating controls of 10 to 5000 characters, an expiry after today and at most a year ahead, a risk that
blocks) is the service's to say, and its messages come back at those fields.
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from reviews.models import RiskAcceptance
from reviews.selectors.risk_gate import is_in_force

from .common import InputSerializer, ReadSerializer

MAX_ID = 2**63 - 1


class RiskAcceptanceSerializer(ReadSerializer):
    """A risk accepted over its threshold; the latest acceptance of a risk is the one that counts."""

    risk = serializers.IntegerField(source="risk_id", help_text="The risk's id (GET /api/v1/risks/{id}/).")
    use_case = serializers.CharField(source="risk.use_case.reference", help_text="The use case's reference.")
    accepted_by = serializers.CharField(source="accepted_by.username", help_text="Who accepted it (the gate's A).")
    expired = serializers.SerializerMethodField(help_text="True from the expiry day on: the risk blocks the gates "
                                                          "again unless accepted again.")
    in_force = serializers.SerializerMethodField(help_text="True while it lets the gates pass: it is the risk's "
                                                           "latest acceptance, not expired, and the risk scores "
                                                           "no higher than when it was accepted.")

    class Meta:
        model = RiskAcceptance
        fields = ("id", "risk", "use_case", "rationale", "compensating_controls", "expires_on", "accepted_by",
                  "accepted_at", "updated_at", "expired", "in_force")

    def get_expired(self, obj: RiskAcceptance) -> bool:
        return obj.expires_on <= timezone.localdate()

    def get_in_force(self, obj: RiskAcceptance) -> bool:
        # ``is_current`` is annotated by the view's queryset (one subquery, not a query per row).
        return bool(obj.is_current) and is_in_force(obj, timezone.localdate(), obj.risk.score)


class RiskAcceptanceInputSerializer(InputSerializer):
    """Accept a live risk at or over its escalation threshold (only the gate's A: the go/no-go Accountable, or a
    governance admin, never the use case's own people)."""

    risk = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The risk's id.")
    rationale = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                      help_text="Why it is accepted, 10 to 5000 characters.")
    compensating_controls = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                                  help_text="What makes up for it meanwhile, 10 to 5000 characters.")
    expires_on = serializers.DateField(required=False, allow_null=True,
                                       help_text="The day it blocks again: after today, at most 365 days ahead.")
