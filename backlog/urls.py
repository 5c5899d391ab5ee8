from django.urls import path

import cocreate.converters  # noqa: F401  (registers the <id:…> converter)

from . import clv_views, customer_views, invitation_views, release_views, segment_views, views, voice_views

app_name = "backlog"
urlpatterns = [
    path("workspace/", views.workspace, name="workspace"),
    path("triage/", views.triage, name="triage"),
    path("backlog/", views.backlog, name="backlog"),
    path("backlog/export.csv", views.backlog_export_csv, name="export_csv"),
    path("backlog/export.json", views.backlog_export_json, name="export_json"),
    path("backlog/weights/", views.weights, name="weights"),
    path("backlog/items/new/", views.item_edit, name="item_new"),
    path("backlog/items/<id:pk>/", views.item_detail, name="item"),
    path("backlog/items/<id:pk>/edit/", views.item_edit, name="item_edit"),
    path("backlog/items/<id:pk>/owner/", views.item_owner, name="item_owner"),
    path("backlog/plan/", release_views.plan, name="plan"),
    path("backlog/releases/", release_views.releases, name="releases"),
    path("backlog/releases/new/", release_views.release_new, name="release_new"),
    path("backlog/releases/<id:pk>/", release_views.release_detail, name="release"),
    path("backlog/ideas/<id:pk>/customers/", voice_views.idea_customers, name="idea_customers"),
    path("backlog/customer-requests/<id:pk>/withdraw/", voice_views.proxy_withdraw, name="proxy_withdraw"),
    path("segments/", segment_views.segments, name="segments"),
    path("segments/<slug:slug>/", segment_views.segment_detail, name="segment"),
    path("segments/<slug:slug>/members/", segment_views.segment_members, name="segment_members"),
    path("customers/import/", segment_views.customers_import_page, name="customers_import"),
    path("customers/invitation/", invitation_views.customer_invitation, name="customer_invitation"),
    path("customers/join/<str:invitation>/", invitation_views.customer_join, name="customer_join"),
    path("customers/clv/", clv_views.clv_fits, name="clv_fits"),
    path("customers/clv/refit/", clv_views.clv_refit, name="clv_refit"),
    path("customers/clv/fits/<id:pk>/", clv_views.clv_fit_detail, name="clv_fit"),
    path("customers/at-risk/", clv_views.customers_at_risk_page, name="customers_at_risk"),
    # The customer department (issue 20 parts 7 and 8): backlog.customer_views.
    path("customers/overview/", customer_views.overview, name="customer_overview"),
    path("customers/market-estimates/", customer_views.market_estimates, name="market_estimates"),
    path("customers/outreach/", customer_views.outreach, name="outreach"),
    path("customers/outreach.csv", customer_views.outreach_csv, name="outreach_csv"),
    path("customers/outreach/contacts/", customer_views.offer_contact, name="offer_contact"),
    path(
        "customers/transactions/import/", segment_views.transactions_import_page, name="transactions_import"
    ),
]
