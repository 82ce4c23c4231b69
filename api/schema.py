"""Additions to the generated OpenAPI schema."""

from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import permissions


class CatalogAutoSchema(AutoSchema):
    """drf-spectacular's, knowing that DjangoModelPermissionsOrAnonReadOnly lets anyone
    read: safe operations list no credentials (`{}`) among their security requirements."""

    def get_auth(self):
        auths = super().get_auth()
        kinds = {type(permission) for permission in self.view.get_permissions()}
        anonymous_reads = permissions.DjangoModelPermissionsOrAnonReadOnly in kinds
        if anonymous_reads and self.method in permissions.SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths


# A 400 names each bad parameter with what is wrong with it.
ERROR_SCHEMA = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
    "example": {"country": ["Unknown country code: XX."]},
}


# Every other error says what happened in `detail`.
DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}


def error(description: str, schema=None) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema or DETAIL_SCHEMA}},
    }


def add_error_responses(result, generator, request, public):
    """Document the errors any operation may answer, with their bodies, beside what each
    view declares. Every operation may answer 400: an unknown parameter is one."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            parameters = {p["name"] for p in operation.get("parameters", [])}
            responses.setdefault(
                "400",
                error(
                    _("A bad or unknown parameter or field, named with what is wrong."),
                    ERROR_SCHEMA,
                ),
            )
            if "{" in path or "page" in parameters:
                responses.setdefault("404", error(_("No such row, or a page beyond the last.")))
            if method == "get":
                responses.setdefault(
                    "429", error(_("Too many requests from an anonymous client: see Retry-After."))
                )
            else:
                responses.setdefault("401", error(_("Not signed in.")))
                responses.setdefault("403", error(_("No permission on this model.")))
            for code, response in responses.items():
                if code[0] in "45" and "content" not in response:
                    response["content"] = error("")["content"]
    return result
