"""The admin of calls for practices: editors open and change them; opening one creates
the Source its practices cite (submissions.services.call_open)."""

from django.contrib import admin

from submissions.models import Call
from submissions.services import call_open


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title", "opens_on", "deadline", "source"]
    list_filter = ["deadline"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["objectives"]
    date_hierarchy = "deadline"

    def get_fields(self, request, obj=None):
        fields = ["title", "slug", "description", "objectives", "opens_on", "deadline"]
        return [*fields, "source"] if obj else fields

    def get_readonly_fields(self, request, obj=None):
        return ["source"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
        else:
            call_open(call=obj, objectives=form.cleaned_data.get("objectives", []))
