"""Template helpers of the planner's workbench (practices.planning)."""

from django import template

from practices.planning import country_choices

register = template.Library()


@register.inclusion_tag("practices/_compare_with.html", takes_context=True)
def compare_with(context, country):
    """A country's links to its plan sheet and a form comparing it with another country."""
    return {
        "country": country,
        "choices": [
            choice
            for choice in country_choices(context.get("generation"))
            if choice[0] != country.alpha2
        ],
    }
