"""Additions to the generated OpenAPI schema."""

from django.utils.translation import gettext as _

# A 400 names each bad parameter with what is wrong with it.
ERROR_SCHEMA = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
    "example": {"country": ["Unknown country code: XX."]},
}


def add_error_responses(result, generator, request, public):
    """Document the errors any operation may answer, beside what each view declares."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            parameters = {p["name"] for p in operation.get("parameters", [])}
            if parameters or "requestBody" in operation:
                responses.setdefault(
                    "400",
                    {
                        "description": _("A bad parameter or field, named with what is wrong."),
                        "content": {"application/json": {"schema": ERROR_SCHEMA}},
                    },
                )
            if "{" in path or "page" in parameters:
                responses.setdefault(
                    "404", {"description": _("No such row, or a page beyond the last.")}
                )
            if method == "get":
                responses.setdefault(
                    "429",
                    {
                        "description": _(
                            "Too many requests from an anonymous client: see Retry-After."
                        )
                    },
                )
            else:
                responses.setdefault("401", {"description": _("Not signed in.")})
                responses.setdefault("403", {"description": _("No permission on this model.")})
    return result
