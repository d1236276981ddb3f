"""The project's URLs plus the reviews pages, until config.urls mounts them."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("reviews/", include("reviews.urls"))]
