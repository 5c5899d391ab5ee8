from django.urls import path

from . import views

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("flag/<str:kind>/<int:pk>/", views.flag, name="flag"),
    path("items/<str:kind>/<int:pk>/", views.item, name="item"),
    path("items/<str:kind>/<int:pk>/<str:action>/", views.item_action, name="item_action"),
    path("cases/<int:pk>/dismiss/", views.case_dismiss, name="case_dismiss"),
    path("members/<int:pk>/", views.member, name="member"),
    path("members/<int:pk>/sanction/", views.member_sanction, name="member_sanction"),
    path("sanctions/<int:pk>/lift/", views.sanction_lift, name="sanction_lift"),
    path("notices/<int:pk>/", views.notice, name="notice"),
    path("appeals/", views.appeals, name="appeals"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="appeal_decide"),
    path("votes/", views.vote_alerts, name="votes"),
    path("votes/scan/", views.vote_scan, name="vote_scan"),
    path("votes/<int:pk>/<str:action>/", views.vote_alert_action, name="vote_alert_action"),
    path("audit/", views.audit, name="audit"),
]
