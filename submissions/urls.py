from django.urls import path

from submissions import views

app_name = "submissions"

urlpatterns = [
    path("submit/", views.submit, name="submit"),
    path("submit/sent/", views.sent, name="sent"),
    path("submit/mine/", views.mine, name="mine"),
    path("submit/mine/<str:token>/", views.mine_list, name="mine-list"),
    # The names are links.Purpose's values: links.url() reverses "submissions:<purpose>".
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("revise/<str:token>/", views.revise, name="revise"),
    path("calls/", views.call_list, name="call-list"),
    path("calls/<slug:slug>/", views.call_detail, name="call-detail"),
]
