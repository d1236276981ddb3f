"""Sign-in and sign-out URLs, included ahead of django.contrib.auth's and the admin's (config/urls.py).

The OIDC views answer 404 while single sign-on is not configured (settings.OIDC_ENABLED).
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from identity import views

urlpatterns = [
    path("accounts/login/", login_not_required(views.LoginView.as_view()), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    # The admin signs in on the same page; a password there is still refused for non-staff (the admin's form).
    path("admin/login/", login_not_required(views.LoginView.as_view(
        authentication_form=AdminAuthenticationForm, next_page="admin:index"))),
    path("admin/logout/", views.LogoutView.as_view()),
    path("oidc/authenticate/", login_not_required(views.OidcStartView.as_view()), name="oidc_authentication_init"),
    path("oidc/callback/", login_not_required(views.OidcCallbackView.as_view()), name="oidc_authentication_callback"),
]
