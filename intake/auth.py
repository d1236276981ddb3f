"""Authentication backend for pages and sessions: people only.

Service accounts (``intake.models.ServiceAccount``) call the API with a
token. Refusing them here covers both the login form (``authenticate``) and
every request carrying a session (``get_user``), so a service account can
never use the pages or admin, even with a session made some other way.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def is_service_account(user) -> bool:
    # hasattr queries once unless get_user below already joined the row in.
    return user is not None and getattr(user, "pk", None) is not None and hasattr(user, "service_account")


class HumanOnlyModelBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not is_service_account(user)

    def get_user(self, user_id):
        # One query per request, as ModelBackend's: the service-account flag comes in the same join.
        try:
            user = get_user_model()._default_manager.select_related("service_account").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
