"""/api/v1/policy/: the governance policy in force (GET, anyone signed in) and a new version of it (PATCH,
governance admins; for anyone else the service answers 404: changing the policy is not there for them).

A PATCH never edits a version: ``reviews.services.policy_publish`` writes the next one, in force from
now, from the version in force and the changes given. Gate decisions keep the version they were judged
under."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api.schema import error
from api.serializers.policy import BAND_FIELDS, PolicyChangeSerializer, PolicySerializer
from api.views.base import ApiView
from reviews import selectors, services


class PolicyView(ApiView):
    @extend_schema(summary="The governance policy in force", responses=PolicySerializer,
                   description="The numbers every stage gate is judged by now, and the version that holds them.")
    def get(self, request):
        return Response(PolicySerializer(selectors.policy_in_force()).data)

    @extend_schema(
        summary="Publish a new governance policy version (governance admins)",
        request=PolicyChangeSerializer,
        responses={200: PolicySerializer, 404: error("You are not a governance admin: the policy is not yours to "
                                                      "change.")},
        description="The version in force with the changes given becomes the next version, in force from now; "
                    "what is not given carries over (the note apart). A number out of its range or out of order "
                    "with the others (a band starting at or above the band over it, fewer most than fewest "
                    "priorities) is a 400 at its field, or at readiness_bands when the bands were given there.",
    )
    def patch(self, request):
        serializer = PolicyChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            policy = services.policy_publish(actor=request.user, changes=serializer.changes(),
                                             critical_areas=data.get("critical_areas"), note=data.get("note", ""))
        except DjangoValidationError as exc:
            raise _at_the_fields_given(exc, data) from None
        return Response(PolicySerializer(policy).data)


def _at_the_fields_given(exc: DjangoValidationError, data: dict) -> DjangoValidationError:
    """The service's errors; with readiness_bands given, a band's error there (unless its own field was given)."""
    if "readiness_bands" not in data or not hasattr(exc, "error_dict"):
        return exc
    moved = set(BAND_FIELDS.values()) - set(data)
    errors: dict[str, list[str]] = {}
    for name, messages in exc.message_dict.items():
        errors.setdefault("readiness_bands" if name in moved else name, []).extend(messages)
    return DjangoValidationError(errors)
