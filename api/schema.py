"""Additions to the generated OpenAPI schema."""

import copy

from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import permissions

from api.pagination import MAX_DIGITS
from api.renderers import JSONLinesRenderer
from gfmd.locale import LANG_PARAMETER, language_codes
from practices.citations import FORMATS


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
    "description": "Each bad parameter or field, with what is wrong with it.",
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

# Named components, so that a generated client has one error class of each, not one per
# operation and status.
COMPONENTS = {"Error": ERROR_SCHEMA, "Detail": DETAIL_SCHEMA}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def error(description: str, schema: str = "Detail") -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": ref(schema)}},
    }


def postprocess(result, generator, request, public):
    """Every step below, in order: the schema as the API answers."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    paths = result.get("paths", {})
    hide_second_spellings(paths)
    add_language(paths)
    allow_empty_values(paths)
    refuse_nul(paths)
    add_page_last(paths)
    type_text_bodies(paths)
    optional_selected_fields(result)
    add_exports(paths)
    add_error_responses(result, generator, request, public)
    add_detail_links(paths)
    return result


def operations(paths):
    for path, methods in paths.items():
        for method, operation in methods.items():
            yield path, method, operation


def add_error_responses(result, generator, request, public):
    """Document the errors any operation may answer, with their bodies, beside what each
    view declares. Every operation may answer 400: an unknown parameter is one."""
    for path, method, operation in operations(result.get("paths", {})):
        responses = operation.setdefault("responses", {})
        parameters = {p["name"] for p in operation.get("parameters", [])}
        responses.setdefault(
            "400",
            error(_("A bad or unknown parameter or field, named with what is wrong."), "Error"),
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


def hide_second_spellings(paths) -> None:
    """A negation is documented once, as country__n: -country, its other spelling, is the
    same filter, and OpenAPI generators name both `country` (their description says so)."""
    for _path, _method, operation in operations(paths):
        if "parameters" in operation:
            operation["parameters"] = [
                p for p in operation["parameters"] if not p["name"].startswith("-")
            ]


def add_language(paths) -> None:
    """Every operation takes `lang`, read before any view (gfmd.locale)."""
    for _path, _method, operation in operations(paths):
        parameters = operation.setdefault("parameters", [])
        if not any(p["name"] == LANG_PARAMETER for p in parameters):
            parameters.append(language_parameter())


def language_parameter() -> dict:
    return {
        "in": "query",
        "name": LANG_PARAMETER,
        "schema": {"type": "string", "enum": language_codes()},
        "description": _(
            "The language of the answer's names and messages: en (default), fr or es; "
            "without it, the first of Accept-Language that is one of them. The answer "
            "says which in Content-Language."
        ),
    }


def allow_empty_values(paths) -> None:
    """An empty query parameter is no parameter (?q=&country= is the whole list, as an
    HTML form sends its blank fields), as OpenAPI 3.0's allowEmptyValue says; the one
    exception, an empty cursor, starts a walk."""
    for _path, _method, operation in operations(paths):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                parameter["allowEmptyValue"] = True


# gfmd.nul refuses a NUL character in any query parameter (a 400), before any view.
NO_NUL = "^[^\\u0000]*$"


def refuse_nul(paths) -> None:
    """A free text parameter (q, a slug) is any text without NUL (gfmd.nul)."""
    for _path, _method, operation in operations(paths):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            schema = parameter["schema"]
            array = schema.get("type") == "array"
            text = schema.get("items", {}) if array else schema
            if text.get("type") != "string" or {"enum", "pattern", "format"} & set(text):
                continue
            text = {**text, "pattern": NO_NUL}  # a copy: the filter's annotation stays
            parameter["schema"] = {**schema, "items": text} if array else text


def add_page_last(paths) -> None:
    """`page` takes a number (of at most MAX_DIGITS digits, api.pagination) or `last`
    (DRF's last_page_strings)."""
    for _path, _method, operation in operations(paths):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "page" and parameter["in"] == "query":
                number = {**parameter["schema"], "maximum": 10**MAX_DIGITS - 1}
                parameter["schema"] = {"oneOf": [number, {"type": "string", "enum": ["last"]}]}


# CSL-JSON is JSON (a client reads "+json" as JSON): an array of CSL items, each with
# its id and type at least (practices.citations.csl_item).
CSL_JSON = FORMATS["csljson"].media_type
CSL_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "type": {"type": "string"}},
        "required": ["id", "type"],
        "additionalProperties": True,
    },
}


def body_schema(media_type: str) -> dict:
    """The schema of a body that is not the JSON of the serializers."""
    return copy.deepcopy(CSL_SCHEMA) if media_type == CSL_JSON else {"type": "string"}


def type_text_bodies(paths) -> None:
    """What is not JSON is text: a record's CSV row or JSON line is a string, not the
    record's object schema that drf-spectacular gives every renderer; CSL-JSON an array
    of CSL items."""
    for _path, _method, operation in operations(paths):
        for code, response in operation.get("responses", {}).items():
            if not code.startswith("2"):
                continue
            for media_type, content in response.get("content", {}).items():
                if media_type != "application/json":
                    content["schema"] = body_schema(media_type)


def optional_selected_fields(result) -> None:
    """?select= leaves out the fields not chosen: a record's fields are each there unless
    select leaves them out, so none is required (tests/api/test_generated_client.py holds
    that each is there without select)."""
    schemas = result["components"]["schemas"]
    for _path, _method, operation in operations(result.get("paths", {})):
        if not any(p["name"] == "select" for p in operation.get("parameters", [])):
            continue
        body = operation["responses"]["200"]["content"]["application/json"]["schema"]
        name = body["$ref"].rsplit("/", 1)[-1]
        if name.startswith("Paginated"):
            name = schemas[name]["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[-1]
        schemas[name].pop("required", None)


# The whole-list exports at DRF's format-suffixed paths (/api/practices.csv), which DRF's
# endpoint enumerator leaves out: an operation of their own answers one media type, which
# a generated client can read (openapi-python-client reads only a response's first one).
EXPORTS = {"csv": "text/csv", "jsonl": JSONLinesRenderer.media_type}
EXPORTS.update({f.name: f.media_type for f in FORMATS.values()})
EXPORT_DESCRIPTIONS = {
    "csv": "The whole list (no pages) as CSV, one row per item, codes `; `-joined; as ?format=csv.",
    "jsonl": "The whole list (no pages) as JSON Lines, one item per line; as ?format=jsonl.",
    **{
        f.name: f"The whole list's citations (no pages) as {f.label}; as ?format={f.name}."
        for f in FORMATS.values()
    },
}
NOT_EXPORT_PARAMETERS = {"format", "page", "page_size", "per_page", "cursor", "facets"}


def add_exports(paths) -> None:
    for path, methods in list(paths.items()):
        listing = methods.get("get")
        if "{" in path or listing is None:
            continue
        ok = listing["responses"]["200"]
        for suffix, media_type in EXPORTS.items():
            if media_type not in ok.get("content", {}):
                continue
            export = copy.deepcopy(listing)
            export["operationId"] = f"{listing['operationId']}_{suffix}"
            export["summary"] = f"{listing.get('summary') or listing['operationId']} ({suffix})"
            export["description"] = EXPORT_DESCRIPTIONS[suffix]
            # A citation needs the whole record: select does not apply to a citation export.
            left_out = NOT_EXPORT_PARAMETERS | ({"select"} if suffix in FORMATS else set())
            export["parameters"] = [
                p for p in listing.get("parameters", []) if p["name"] not in left_out
            ]
            export["responses"] = {
                "200": {
                    "description": _("The whole list, with the same filters."),
                    "content": {media_type: {"schema": body_schema(media_type)}},
                }
            }
            paths[f"{path.rstrip('/')}.{suffix}"] = {"get": export}


def add_detail_links(paths) -> None:
    """OpenAPI links from each list to the detail of its first row (and so a stateful
    client, schemathesis's, from a list to its rows)."""
    for path, methods in paths.items():
        listing = methods.get("get")
        if "{" in path or listing is None or path.endswith(tuple(f".{s}" for s in EXPORTS)):
            continue
        for detail_path, detail_methods in paths.items():
            detail = detail_methods.get("get")
            if detail is None or not detail_path.startswith(path):
                continue
            key = detail_path[len(path) :]
            if not (key.startswith("{") and key.endswith("}/") and key.count("{") == 1):
                continue
            name = key[1:-2]
            listing["responses"]["200"].setdefault("links", {})["retrieve"] = {
                "operationId": detail["operationId"],
                "parameters": {name: f"$response.body#/results/0/{name}"},
                "description": _("The first row of the page, by its %(name)s.") % {"name": name},
            }
