"""Template helpers for the public pages."""

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def localized(country) -> str:
    """A country's name in the page's language."""
    return country.localized_name(get_language() or "en")


@register.simple_tag(takes_context=True)
def toggle_url(context, name: str, value) -> str:
    """The current query with `value` added to or removed from `name`, back on page 1."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    values = [v for item in query.getlist(name) for v in item.split(",") if v]
    value = str(value)
    values = [v for v in values if v != value] if value in values else [*values, value]
    query.setlist(name, values)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    """The current query on another page."""
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"


@register.filter
def heat(count: int) -> str:
    """A class for a coverage cell; the number itself is always shown too."""
    if not count:
        return "heat-0"
    return f"heat-{min(4, count)}"


@register.filter
def kind_name(record) -> str:
    """The kind of a record, in the page's language: practice, challenge..."""
    return str(record._meta.verbose_name)


@register.simple_tag
def citation(record, permalink: str) -> str:
    """How to cite a record: its title, its source's citation, and its stable link."""
    source = record.source.citation or str(record.source)
    section = f" ({record.section})" if record.section else ""
    return f"“{record.title}”{section}. In: {source} GFMD Practice Catalogue, {permalink}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key, ())
