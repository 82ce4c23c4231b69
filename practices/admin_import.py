"""Bulk import and export of records in the admin, with django-import-export.

RecordAdmin puts RecordImportExportMixin first among its bases. Import goes through the
library's upload, preview and confirm steps: the preview is a dry run (practices.importing
checks every row and writes nothing), the confirm imports the file all or nothing. The
import page links a template spreadsheet for the kind being imported.

Uploads are capped at IMPORT_MAX_UPLOAD_BYTES (20 MB unless settings say otherwise);
bigger files go through `manage.py import_records`. Between preview and confirm the file
waits in UploadStorage, and it is deleted after the confirm (whatever its outcome), after
a preview that offers no confirm, and, for a preview nobody confirmed, at the first
upload or confirm an hour later.
"""

import os
import tempfile
from datetime import timedelta
from uuid import uuid4

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage, storages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm
from import_export.tmp_storages import MediaStorage

from practices.resources import RECORD_RESOURCES, error_lines

FORMATS = [CSV, XLSX]
TEMPLATE_FORMATS = {"csv": CSV, "xlsx": XLSX}
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_MAX_AGE = timedelta(hours=1)  # a preview not confirmed by then is abandoned
UPLOAD_FOLDER = "import-uploads"


def max_upload_bytes() -> int:
    """The largest file the admin imports; bigger ones take the command."""
    return getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


def command_for(model) -> str:
    return f"manage.py import_records FILE --kind {model._meta.model_name}"


class UploadExpired(Exception):
    """An upload confirmed after it was cleaned away (or never stored)."""


class UploadStorage(MediaStorage):
    """Where an upload waits between preview and confirm: the `import_export` storage of
    settings.STORAGES when there is one (a storage all app servers share), else a folder
    of the machine's temporary directory. Files older than UPLOAD_MAX_AGE are swept."""

    def __init__(self, **kwargs):
        super().__init__(MEDIA_FOLDER=UPLOAD_FOLDER, **kwargs)

    def _configure_storage(self):
        if "import_export" in settings.STORAGES:
            self._storage = storages["import_export"]
        else:
            temporary = settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir()
            location = os.path.join(temporary, "gfmd-import")
            self._storage = FileSystemStorage(location=location)

    def save_upload(self, upload) -> None:
        """Stream an uploaded file into the storage, a chunk at a time."""
        self.name = uuid4().hex
        self.name = os.path.basename(self._storage.save(self.get_full_path(), upload))

    def read(self):
        try:
            return super().read()
        except FileNotFoundError:
            raise UploadExpired(self.name) from None

    def remove(self):
        if self.name:
            self._storage.delete(self.get_full_path())

    def sweep(self, max_age: timedelta = UPLOAD_MAX_AGE) -> int:
        """Delete the uploads older than `max_age`: the previews nobody confirmed."""
        try:
            _, names = self._storage.listdir(UPLOAD_FOLDER)
        except FileNotFoundError:
            return 0
        cutoff = timezone.now() - max_age
        swept = 0
        for name in names:
            full = os.path.join(UPLOAD_FOLDER, name)
            try:
                if self._storage.get_modified_time(full) < cutoff:
                    self._storage.delete(full)
                    swept += 1
            except FileNotFoundError:  # swept by another request meanwhile
                continue
        return swept


class CappedImportForm(ImportForm):
    """The library's import form, refusing files over the admin's limit."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.model = resources[0]._meta.model

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise ValidationError(
                _(
                    "This file is %(size)s; the admin imports files up to %(limit)s. "
                    "Import it from the command line: %(command)s"
                ),
                code="too_big",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                    "command": command_for(self.model),
                },
            )
        return upload


class RecordImportExportMixin(ImportExportMixin):
    """Import (with preview and confirm) and export of records, as CSV or XLSX."""

    import_template_name = "admin/practices/record_import.html"
    import_form_class = CappedImportForm
    tmp_storage_class = UploadStorage

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

    def get_import_context_data(self, **kwargs):
        return {
            **super().get_import_context_data(**kwargs),
            "import_max_upload": filesizeformat(max_upload_bytes()),
            "import_command": command_for(self.model),
        }

    def write_to_tmp_storage(self, import_file, input_format):
        """Stream the upload into UploadStorage (the library's version joins its chunks
        in memory first)."""
        tmp_storage = self.get_tmp_storage_class()(**self.get_tmp_storage_class_kwargs())
        tmp_storage.save_upload(import_file)
        return tmp_storage

    def import_action(self, request, **kwargs):
        """Upload and preview; the file is kept only when the preview offers a confirm."""
        self.get_tmp_storage_class()().sweep()
        response = None
        try:
            response = super().import_action(request, **kwargs)
        finally:
            upload = request.FILES.get("import_file") if request.method == "POST" else None
            name = getattr(upload, "tmp_storage_name", None)
            context = getattr(response, "context_data", None) or {}
            if name and not context.get("confirm_form"):
                self.get_tmp_storage_class()(name=name).remove()
        return response

    def process_import(self, request, **kwargs):
        """Confirm: import the file kept by the preview, then delete it, whatever the
        outcome."""
        storage = self.get_tmp_storage_class()
        storage().sweep()
        try:
            return super().process_import(request, **kwargs)
        except UploadExpired:
            messages.error(
                request,
                _(
                    "The file of this preview is no longer kept (previews wait an hour "
                    "for their confirm): upload it again."
                ),
            )
            return HttpResponseRedirect(self._import_url())
        finally:
            name = os.path.basename(request.POST.get("import_file_name", ""))
            if name:
                storage(name=name).remove()

    def process_result(self, result, request):
        """A confirm that imported nothing says so, with the errors, and goes back to the
        import page (the library would report success)."""
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        lines = error_lines(result)
        shown = "; ".join(lines[:5]) + (" …" if len(lines) > 5 else "")
        messages.error(request, _("Nothing was imported: %(errors)s") % {"errors": shown})
        return HttpResponseRedirect(self._import_url())

    def _import_url(self) -> str:
        return reverse(
            "admin:{}_{}_import".format(*self.get_model_info()), current_app=self.admin_site.name
        )

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
