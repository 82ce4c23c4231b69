"""Bulk import and export of records in the admin, with django-import-export.

RecordAdmin puts RecordImportExportMixin first among its bases. Import goes through the
library's upload, preview and confirm steps (a dry run inside a transaction, then the real
import); the import page links a template spreadsheet for the kind being imported.
"""

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from practices.resources import RECORD_RESOURCES

FORMATS = [CSV, XLSX]
TEMPLATE_FORMATS = {"csv": CSV, "xlsx": XLSX}


class RecordImportExportMixin(ImportExportMixin):
    """Import (with preview and confirm) and export of records, as CSV or XLSX."""

    import_template_name = "admin/practices/record_import.html"

    def get_resource_classes(self, request):
        try:
            return [RECORD_RESOURCES[self.model]]
        except KeyError:
            raise ImproperlyConfigured(
                f"{type(self).__name__}: no import resource for {self.model.__name__}; "
                "add one to practices.resources.RECORD_RESOURCES."
            ) from None

    def get_import_formats(self):
        return FORMATS

    def get_export_formats(self):
        return FORMATS

    def has_import_permission(self, request):
        """An import creates and changes records: it takes both permissions."""
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_urls(self):
        template_url = path(
            "import-template/<str:file_format>/",
            self.admin_site.admin_view(self.import_template_view),
            name="{}_{}_import_template".format(*self.get_model_info()),
        )
        return [template_url, *super().get_urls()]

    def import_template_view(self, request, file_format):
        """A spreadsheet with the import columns and one example row, to fill in."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        format_class = TEMPLATE_FORMATS.get(file_format)
        if format_class is None:
            raise Http404(_("Templates come as csv or xlsx."))
        spreadsheet = format_class()
        resource_class = self.get_import_resource_classes(request)[0]
        data = spreadsheet.export_data(resource_class.template_dataset())
        content_type = spreadsheet.get_content_type()
        if not spreadsheet.is_binary():
            # A byte order mark, so that Excel reads the dashes and quotes as UTF-8.
            data = "\ufeff" + data
            content_type += "; charset=utf-8"
        response = HttpResponse(data, content_type=content_type)
        name = f"{self.model._meta.model_name}-import-template.{spreadsheet.get_extension()}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
