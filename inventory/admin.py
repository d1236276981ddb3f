"""The admin's import (template -> upload -> dry-run preview -> confirm) and export of the inventory files.

``InventoryImportExportMixin`` goes on the admin of each inventory model with its resource from
``inventory.resources``: the same resources as the commands, so the admin and the commands check,
refuse and store alike. Only governance admins import; a file with any refused row shows its
refusals in the preview and has no confirm step, and is stored whole or not at all at confirm.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

from core.roles import is_governance_admin
from inventory.resources import problems_of

FORMATS = {"csv": base_formats.CSV, "xlsx": base_formats.XLSX}
CONTENT_TYPES = {"csv": "text/csv",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MAX_MESSAGES = 50  # refusals listed after a failed confirm; the rest are counted


class InventoryImportExportMixin(ImportExportMixin):
    import_template_name = "admin/inventory/import.html"
    import_error_display = ("message",)

    @property
    def formats(self):
        return list(FORMATS.values())

    def has_import_permission(self, request) -> bool:
        return is_governance_admin(request.user)

    def has_export_permission(self, request) -> bool:
        return is_governance_admin(request.user)

    def get_urls(self):
        opts = self.model._meta
        view = self.admin_site.admin_view(self.import_template_view)
        name = f"{opts.app_label}_{opts.model_name}_import_template"
        return [path("import/template.<str:fmt>", view, name=name), *super().get_urls()]

    def import_template_view(self, request, fmt: str) -> HttpResponse:
        """The empty file (the header) of the model's resource, to fill in and import."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if fmt not in FORMATS:
            raise PermissionDenied
        resource = self.get_import_resource_classes(request)[0]()
        data = resource.export(queryset=self.model._default_manager.none()).export(fmt)
        response = HttpResponse(data.encode() if isinstance(data, str) else data, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{self.model._meta.model_name}-template.{fmt}"'
        return response

    def process_result(self, result, request):
        """At confirm: a file that turned out to have a refused row stored nothing; say why, row by row."""
        if result.has_errors() or result.has_validation_errors():
            problems = problems_of(result)
            for problem in problems[:MAX_MESSAGES]:
                messages.error(request, str(problem))
            more = len(problems) - MAX_MESSAGES
            messages.error(request, "Nothing from this file was stored." + (f" ({more} more refusals.)" if more > 0
                                                                              else ""))
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import",
                                                current_app=self.admin_site.name))
        return super().process_result(result, request)
