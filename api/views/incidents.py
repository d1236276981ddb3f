"""After an incident, in the API: its post-incident review and the review's actions, under /incidents/{id}/.

Mixed into the incident viewset: rows come from its permission-restricted queryset (404 for the unseen),
writes go through reviews.services.incidents, which check the RACI and refuse bad input at the field.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.serializers.evidence import IncidentSerializer
from api.serializers.incidents import (
    IncidentActionInputSerializer,
    IncidentActionSerializer,
    PostIncidentReviewInputSerializer,
)
from reviews.models import IncidentAction
from reviews.services import incidents as services

ACTION_ID = OpenApiParameter("action_id", int, OpenApiParameter.PATH, description="The action's id.")
ASSIGNMENT = ("owner", "review_due")  # PATCH fields that incident_assign takes, not incident_update


class IncidentReviewActions:
    """The post-incident review and its actions, on the incident viewset."""

    def get_queryset(self):
        actions = IncidentAction.objects.select_related("owner").order_by("due_date", "id")
        return super().get_queryset().prefetch_related(Prefetch("actions", queryset=actions))

    @extend_schema(summary="Record (or correct) the incident's post-incident review",
                   description="Cause, impact and lessons, each required; returns the incident.",
                   request=PostIncidentReviewInputSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        incident = self.get_object()
        data = self._valid(PostIncidentReviewInputSerializer)
        services.incident_review_record(incident=incident, actor=request.user, **data)
        return self.retrieve(request, pk=pk)

    @extend_schema(summary="Add an action to the incident's post-incident review",
                   description="Description, owner (someone who can see the use case) and due date, each required.",
                   request=IncidentActionInputSerializer, responses={201: IncidentActionSerializer})
    @action(detail=True, methods=["post"], url_path="actions")
    def add_action(self, request, pk=None):
        incident = self.get_object()
        data = self._valid(IncidentActionInputSerializer)
        created = services.incident_action_add(incident=incident, actor=request.user, **data)
        return Response(IncidentActionSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Mark an incident action done (its owner, evidence recorders, governance admins)",
                   description="Done is final: marking it again is a 409.", request=None,
                   responses=IncidentActionSerializer,
                   parameters=[ACTION_ID])
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<action_id>[0-9]{1,18})/done")
    def complete_action(self, request, pk=None, action_id=None):
        incident = self.get_object()
        item = get_object_or_404(IncidentAction.objects.select_related("owner"), pk=action_id, incident=incident)
        item.incident = incident
        done = services.incident_action_complete(action=item, actor=request.user)
        return Response(IncidentActionSerializer(done).data)
