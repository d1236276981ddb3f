"""What people say and attach while a use case is reviewed."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from intake.models import UseCase

from .review import Review

User = settings.AUTH_USER_MODEL


class Comment(models.Model):
    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="comments")
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment by {self.author_id} on {self.use_case_id}"


class Evidence(models.Model):
    """An uploaded file; served only through a permission-checked view."""

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="evidence")
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence")
    file = models.FileField(upload_to="evidence/%Y/%m/", max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    artefact_type = models.ForeignKey(
        "reviews.ArtefactType", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The artefact this file is, when it answers a tier requirement.")
    # A reviewer may reject an artefact (it then no longer meets its requirement), saying why.
    rejected_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.original_name
