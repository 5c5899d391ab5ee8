from django.urls import path

import cocreate.converters  # noqa: F401  (registers the <id:…> converter)

from . import views

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("flag/<str:kind>/<id:pk>/", views.flag, name="flag"),
    path("items/<str:kind>/<id:pk>/", views.item, name="item"),
    path("items/<str:kind>/<id:pk>/<str:action>/", views.item_action, name="item_action"),
    path("cases/<id:pk>/dismiss/", views.case_dismiss, name="case_dismiss"),
    path("members/<id:pk>/", views.member, name="member"),
    path("members/<id:pk>/sanction/", views.member_sanction, name="member_sanction"),
    path("sanctions/<id:pk>/lift/", views.sanction_lift, name="sanction_lift"),
    path("notices/<id:pk>/", views.notice, name="notice"),
    path("appeals/", views.appeals, name="appeals"),
    path("appeals/<id:pk>/decide/", views.appeal_decide, name="appeal_decide"),
    path("votes/", views.vote_alerts, name="votes"),
    path("votes/scan/", views.vote_scan, name="vote_scan"),
    path("votes/<id:pk>/<str:action>/", views.vote_alert_action, name="vote_alert_action"),
    path("audit/", views.audit, name="audit"),
]
