"""GET /api/v1/use-cases/{reference}/value/: realised value against spend, from the selector the
dashboard and the board pack read, so the three agree. A use case the caller may not see is a 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api.serializers.value import UseCaseValueSerializer
from api.views.base import ApiView
from api.views.dossiers import USE_CASE_REFERENCE
from intake import permissions
from intake.models import UseCase
from reviews.selectors import value


class UseCaseValueView(ApiView):
    queryset = UseCase.objects.none()

    @extend_schema(summary="The use case's realised value, spend and ROI", parameters=[USE_CASE_REFERENCE],
                   responses={200: UseCaseValueSerializer})
    def get(self, request, reference: str):
        use_case = permissions.use_case_for(request.user, reference)
        return Response(UseCaseValueSerializer(value.use_case_value(use_case).as_dict()).data)
