"""After an incident: its post-incident review and actions, as the incident resource shows them, and their input."""

from __future__ import annotations

from rest_framework import serializers

from reviews.models import IncidentAction, PostIncidentReview
from reviews.models.incidents import MAX_ACTION, MAX_TEXT

from .common import InputSerializer, ReadSerializer, UsernameField


class PostIncidentReviewSerializer(ReadSerializer):
    """The incident's post-incident review: null until recorded."""

    class Meta:
        model = PostIncidentReview
        fields = ("cause", "impact", "lessons", "completed_at")


class IncidentActionSerializer(ReadSerializer):
    """An action the post-incident review names."""

    owner = serializers.CharField(source="owner.username")

    class Meta:
        model = IncidentAction
        fields = ("id", "description", "owner", "due_date", "status", "done_at")


class PostIncidentReviewInputSerializer(InputSerializer):
    """The post-incident review: recording it again corrects it."""

    cause = serializers.CharField(max_length=MAX_TEXT)
    impact = serializers.CharField(max_length=MAX_TEXT)
    lessons = serializers.CharField(max_length=MAX_TEXT)


class IncidentActionInputSerializer(InputSerializer):
    """An action with its owner and due date (each required)."""

    description = serializers.CharField(max_length=MAX_ACTION)
    owner = UsernameField()
    due_date = serializers.DateField()
