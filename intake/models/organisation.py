"""Who submits and what for: business units, strategic outcomes, buckets."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class BusinessUnit(models.Model):
    code = models.SlugField(max_length=20, unique=True, help_text="Short code, e.g. CUSTOPS.")
    name = models.CharField(max_length=120)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="business_units"
    )
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class StrategicOutcome(models.Model):
    """One of the organisation's 3-5 strategic outcomes a use case serves."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PortfolioBucket(models.Model):
    """Editable list: employee productivity, customer operations, ..."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
