"""Public pages."""

from django.shortcuts import get_object_or_404, render

from practices.selectors import catalogue_counts, source_list


def home(request):
    """The front page: what the catalogue holds and where it comes from."""
    return render(
        request,
        "practices/home.html",
        {"counts": catalogue_counts(), "sources": source_list()},
    )


def record_detail(request, slug, model):
    """One published record, with its source and everything it links to."""
    record = get_object_or_404(model.objects.published().with_related(), slug=slug)
    return render(
        request,
        "practices/record_detail.html",
        {"record": record, "kind": model._meta.verbose_name},
    )
