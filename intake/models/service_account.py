"""Service accounts: non-human identities that call the API with a token.

A service account is a user flagged by this row. It authenticates only with
its API token (``intake.auth.HumanOnlyModelBackend`` refuses it on the login
page and for sessions) and, when read-only, may not write through the API.
"""

from django.conf import settings
from django.db import models


class ServiceAccount(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="service_account")
    read_only = models.BooleanField(default=True, help_text="A read-only service account is refused every write.")
    description = models.CharField(max_length=300, blank=True, help_text="What calls the API with it, and why.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user.get_username()} (service account)"
