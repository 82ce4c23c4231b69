"""Public pages."""

from django.shortcuts import render

from practices.selectors import catalogue_counts, source_list


def home(request):
    """The front page: what the catalogue holds and where it comes from."""
    return render(
        request,
        "practices/home.html",
        {"counts": catalogue_counts(), "sources": source_list()},
    )
