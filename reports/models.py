"""Board packs: the PDF the PMO takes to the executive (monthly) and the board (quarterly).

A pack is requested (by the PMO, or by the monthly schedule), then rendered
by a task: queued -> running -> ready, or failed with a readable error and
retried. The PDF is kept in the file storage (MEDIA_ROOT, or the bucket
STORAGE_URL names) and leaves only through the permission-checked download view.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class Audience(models.TextChoices):
    EXECUTIVE_MONTHLY = "executive_monthly", "Executive (monthly)"
    BOARD_QUARTERLY = "board_quarterly", "Board (quarterly)"


class PackStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


# Statuses in which a pack is still on its way to a PDF.
PENDING_STATUSES = (PackStatus.QUEUED, PackStatus.RUNNING)
MAX_NARRATIVE = 5000


class BoardPack(models.Model):
    Audience = Audience
    Status = PackStatus

    audience = models.CharField(max_length=30, choices=Audience.choices)
    period_start = models.DateField()
    period_end = models.DateField()

    # The PMO's narrative: the parts of the pack no query can write.
    decisions_required = models.TextField(max_length=MAX_NARRATIVE, blank=True)
    next_period_priorities = models.TextField(
        max_length=MAX_NARRATIVE, blank=True,
        help_text="One line per priority, each 'priority | owner | date (YYYY-MM-DD)': as many as the governance "
                  "policy asks (three to five by default).",
    )
    resourcing_notes = models.TextField(max_length=MAX_NARRATIVE, blank=True)

    status = models.CharField(max_length=20, choices=PackStatus.choices, default=PackStatus.QUEUED, db_index=True)
    error = models.TextField(blank=True)
    # Built by the monthly schedule rather than requested by a person.
    scheduled = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="board-packs/%Y/%m/", blank=True, max_length=255)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-id"]
        permissions = [
            ("request_boardpack", "Can request board packs"),
            ("download_boardpack", "Can download board packs and see the portfolio dashboard"),
        ]
        constraints = [
            # The schedule builds one pack per audience and period, however often it fires.
            models.UniqueConstraint(
                fields=["audience", "period_start", "period_end"], condition=Q(scheduled=True),
                name="boardpack_one_scheduled_per_period",
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="boardpack_period_ordered"),
        ]
        indexes = [models.Index(fields=["updated_at", "id"], name="boardpack_sync_idx")]

    def __str__(self) -> str:
        # Dates as every page writes them: "1 Nov 2026".
        start, end = self.period_start, self.period_end
        return f"{self.get_audience_display()} pack {start.day} {start:%b %Y} – {end.day} {end:%b %Y}"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def download_name(self) -> str:
        audience = self.audience.replace("_", "-")
        return f"stagegate-board-pack-{audience}-{self.period_start:%Y-%m-%d}-to-{self.period_end:%Y-%m-%d}.pdf"


class Dossier(models.Model):
    """The audit dossier of one AI system: everything an auditor reads about a use case, in one PDF,
    rendered by a task as board packs are (queued -> running -> ready, or failed and retried)."""

    Status = PackStatus

    use_case = models.ForeignKey("intake.UseCase", on_delete=models.CASCADE, related_name="dossiers")
    status = models.CharField(max_length=20, choices=PackStatus.choices, default=PackStatus.QUEUED, db_index=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="dossiers/%Y/%m/", blank=True, max_length=255)
    pages = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["updated_at", "id"], name="dossier_sync_idx")]

    def __str__(self) -> str:
        return f"Dossier of {self.use_case.reference} ({self.get_status_display().lower()})"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def download_name(self) -> str:
        stamp = f"{self.generated_at:%Y-%m-%d}" if self.generated_at else "pending"
        return f"stagegate-dossier-{self.use_case.reference}-{stamp}.pdf"
