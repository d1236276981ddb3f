"""What every API view shares: no login redirect, Idempotency-Key replay, keyset pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from api import idempotency
from api.etags import check_if_match, etag_for


class ApiMixin:
    """API views answer 401 themselves; the pages' LoginRequiredMiddleware must not redirect them."""

    _idempotency = None

    @classmethod
    def as_view(cls, *args, **kwargs):
        return login_not_required(super().as_view(*args, **kwargs))

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency = idempotency.claim(request)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return exc.response
        return super().handle_exception(exc)

    def raise_uncaught_exception(self, exc):
        idempotency.release(self._idempotency)
        self._idempotency = None
        super().raise_uncaught_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        idempotency.settle(self._idempotency, response)
        self._idempotency = None
        return response


class ApiView(ApiMixin, APIView):
    pass


class GenericViewSet(ApiMixin, viewsets.GenericViewSet):
    pass


class ReadOnlyViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    """List and retrieve; ``sync_field`` is the delta-sync key (a non-null datetime)."""

    sync_field = "updated_at"
    lookup_value_regex = r"[0-9]{1,18}"
    etag_actions = ("retrieve", "partial_update")  # the responses that carry an ETag

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = etag_for(instance, self.sync_field)
        return response

    def locked_for_update(self, instance):
        """The row under lock (inside the caller's transaction), refused with 412 if If-Match is stale."""
        locked = type(instance).objects.select_for_update().get(pk=instance.pk)
        check_if_match(self.request, locked, self.sync_field)
        return locked


class ListOnlyViewSet(ApiMixin, viewsets.mixins.ListModelMixin, viewsets.GenericViewSet):
    sync_field = "updated_at"



class NotFoundView(ApiView):
    """Unknown /api/ paths: 404 as JSON (after authentication, like any other resource)."""

    schema = None  # not an operation of the API

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound()

    get = post = put = patch = delete = http_method_not_allowed
