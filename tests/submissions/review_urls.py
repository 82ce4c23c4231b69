"""The project's URLs plus a stand-in `submissions:revise`, for the send-back e-mail's link
when the public form's URLs are not there."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import NoReverseMatch, include, path, reverse

from gfmd.urls import urlpatterns as project
from tests.submissions.reviewing import revise_page

urlpatterns = list(project)
try:
    reverse("submissions:revise", args=["x"], urlconf="gfmd.urls")
except NoReverseMatch:
    urlpatterns += i18n_patterns(
        path(
            "",
            include(([path("revise/<str:token>/", revise_page, name="revise")], "submissions")),
        ),
        prefix_default_language=False,
    )
