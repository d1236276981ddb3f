from django.contrib.auth.views import LoginView
from django.urls import include, path

from tests.identity.provider import views

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("control/users/", views.user_set),
    path("control/client/", views.client_set),
]
