"""CSV for every list and record: related rows flattened to their codes, formulas kept as
text (practices.spreadsheets); JSON that the cache of anonymous reads keeps already rendered."""

import csv
import io
import json

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

from practices.citations import FORMATS
from practices.spreadsheets import escape_formula

SEPARATOR = "; "
KEYS = ("code", "slug", "number", "name", "title")


def flat(value) -> str:
    """One cell: a related row by its code (or number, slug, name), a list joined by ;."""
    if isinstance(value, list):
        return SEPARATOR.join(flat(item) for item in value)
    if isinstance(value, dict):
        key = next((k for k in KEYS if k in value), None)
        return (
            flat(value[key]) if key else SEPARATOR.join(f"{k}={flat(v)}" for k, v in value.items())
        )
    if value is None:
        return ""
    return str(value)


def csv_cells(values) -> list[str]:
    """One CSV row's cells: each value flattened, and quoted if a spreadsheet would run it."""
    return [escape_formula(flat(value)) for value in values]


def csv_line(cells) -> str:
    """One CSV line, as csv_cells() writes it."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(csv_cells(cells))
    return buffer.getvalue()


class JSONLinesRenderer(renderers.BaseRenderer):
    """JSON Lines: one compact JSON object per line. Lists are streamed whole by the
    views, like the CSV; a single row is one line."""

    media_type = "application/x-ndjson"
    format = "jsonl"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        rows = data if isinstance(data, list) else [data]
        return b"".join(compact_json(row) + b"\n" for row in rows)


class CSVRenderer(renderers.BaseRenderer):
    """Renders one record or a list of them; lists are streamed by the views instead."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        rows = data if isinstance(data, list) else [data]
        if not rows:
            return b""
        header = list(rows[0])
        lines = [csv_line(header), *(csv_line(row.get(k) for k in header) for row in rows)]
        return "".join(lines).encode(self.charset)


ENCODER = JSONEncoder()
LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


def compact_json(data) -> bytes:
    """The JSON DRF's JSONRenderer writes (compact, UTF-8, U+2028 and U+2029 escaped as it
    escapes them, dates and lazy strings by its encoder), written by orjson: encoding a
    page of 20 practices took a seventh of an uncached API list's time with the json
    module, a tenth of that with orjson."""
    content = orjson.dumps(data, default=ENCODER.default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    for raw, escaped in LINE_SEPARATORS:
        if raw in content:
            content = content.replace(raw, escaped)
    return content


class Rendered:
    """A response's data as compact JSON bytes: what the cache of anonymous reads keeps."""

    __slots__ = ("content",)

    def __init__(self, content: bytes):
        self.content = content

    @classmethod
    def of(cls, data) -> "Rendered":
        return cls(compact_json(data))

    def data(self):
        """The plain data back, for the renderers that need it (browsable API, CSV)."""
        return json.loads(self.content)


class CachedJSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer, which sends already rendered JSON as it is."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, Rendered):
            if self.get_indent(accepted_media_type or "", renderer_context or {}) is None:
                return data.content
            data = data.data()
        return super().render(data, accepted_media_type, renderer_context)


class CitationRenderer(renderers.BaseRenderer):
    """A citation format (practices.citations.FORMATS): the views make the file, a whole
    list or one row, and stream it; this renderer names the format for negotiation and
    the schema."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode(self.charset)
        return compact_json(data)  # only errors come here: the views answer them in JSON


def citation_renderer(name: str) -> type[CitationRenderer]:
    citation_format = FORMATS[name]
    return type(
        f"{citation_format.label.replace('-', '')}Renderer",
        (CitationRenderer,),
        {"media_type": citation_format.media_type, "format": name},
    )


CITATION_RENDERERS = [citation_renderer(name) for name in FORMATS]
