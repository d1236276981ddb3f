"""A use case's gap-closure plan: the actions recorded against readiness areas scored below 4.

``GapClosureActionViewSet`` lists and reads the actions of the use cases you may see (delta sync,
like risks); the plan itself is read and written on the use case (``gap_plan_data`` and
``gap_plan_put``, served by ``api.views.evidence.respond`` with its ETag and If-Match).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError

from api.exceptions import validation_detail
from api.filters import GapClosureActionFilterSet
from api.serializers.gaps import GapClosureActionSerializer, GapPlanInputSerializer
from api.views.records import UseCaseScopedViewSet
from intake.models import UseCase
from reviews import selectors
from reviews import services as review_services
from reviews.models import GapClosureAction

MODERATE = "moderate"  # the band that admits controlled rollout only with the plan


class GapClosureActionViewSet(UseCaseScopedViewSet):
    model = GapClosureAction
    related = ("use_case", "area", "owner", "recorded_by")
    serializer_class = GapClosureActionSerializer
    filterset_class = GapClosureActionFilterSet
    queryset = GapClosureAction.objects.none()


def gap_plan_data(use_case: UseCase) -> dict:
    readiness = selectors.readiness_summary(use_case)
    plan = selectors.gap_plan(use_case, readiness)
    band = readiness.band.key if readiness.band else None
    gaps = [{
        "area": area.key,
        "area_name": area.name,
        "score": score.score,
        "action": action.action if action else None,
        "owner": action.owner.get_username() if action else None,
        "due_on": action.due_on.isoformat() if action else None,
    } for area, score, action in plan.rows]
    return {"band": band, "required": band == MODERATE, "gaps": gaps,
            "missing": [gap["area"] for gap in gaps if gap["action"] is None]}


def gap_plan_put(request, use_case: UseCase) -> None:
    serializer = GapPlanInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    items = {key: dict(item) for key, item in serializer.validated_data["items"].items()}
    if not items:
        raise ValidationError({"items": ["Give at least one area's action."]})
    try:
        review_services.gap_plan_record(use_case=use_case, actor=request.user, items=items)
    except DjangoValidationError as exc:  # keyed by area: the same place as the input that caused it
        raise ValidationError({"items": validation_detail(exc)}) from None
