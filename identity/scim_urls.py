"""/scim/v2/: SCIM 2.0 provisioning (identity.scim). The names are django-scim2's ("scim:users", ...),
which its adapters reverse. No session, no CSRF, no login page: the bearer token is checked in each
view (identity.scim_auth)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from identity import scim

app_name = "scim"


def _edge(view):
    # Not a page: LoginRequiredMiddleware must not redirect an IdP to the login form.
    return login_not_required(csrf_exempt(view))


urlpatterns = [
    re_path(r"^Users(?:/(?P<uuid>[^/]+))?$", _edge(scim.UsersView.as_view()), name="users"),
    re_path(r"^Groups(?:/(?P<uuid>[^/]+))?$", _edge(scim.GroupsView.as_view()), name="groups"),
    re_path(r"^ServiceProviderConfig$", _edge(scim.ServiceProviderConfigView.as_view()),
            name="service-provider-config"),
    re_path(r"^ResourceTypes(?:/(?P<uuid>[^/]+))?$", _edge(scim.ResourceTypesView.as_view()), name="resource-types"),
    re_path(r"^Schemas(?:/(?P<uuid>[^/]+))?$", _edge(scim.SchemasView.as_view()), name="schemas"),
    re_path(r"^", _edge(scim.not_found), name="not-found"),
]
