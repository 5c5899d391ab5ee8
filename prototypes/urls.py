from django.urls import path

import cocreate.converters  # noqa: F401  (registers the <id:…> converter)

from . import views

app_name = "prototypes"
urlpatterns = [
    path("", views.prototype_list, name="list"),
    path("new/", views.prototype_create, name="create"),
    path("<id:pk>/", views.prototype_detail, name="detail"),
    path("<id:pk>/rate/", views.rate, name="rate"),
    path("<id:pk>/compare/", views.compare, name="compare"),
    path("<id:pk>/survey/", views.survey, name="survey"),
    path("<id:pk>/pins/", views.pin, name="pin"),
    path("<id:pk>/beta/", views.beta_join, name="beta_join"),
    path("<id:pk>/beta/withdraw/", views.beta_withdraw, name="beta_withdraw"),
    path("<id:pk>/follow/", views.prototype_follow, name="follow"),
    path("<id:pk>/manage/", views.prototype_manage, name="manage"),
    path("<id:pk>/variants/", views.variant_create, name="variant_create"),
    path("<id:pk>/questions/", views.question_create, name="question_create"),
    path("<id:pk>/quotas/", views.quota_set, name="quota_set"),
    path("<id:pk>/publish/", views.prototype_publish, name="publish"),
    path("<id:pk>/results/", views.results, name="results"),
    path("<id:pk>/results.csv", views.results_csv, name="results_csv"),
    path("variants/<id:pk>/versions/", views.version_create, name="version_create"),
    path("screens/<id:pk>/", views.screen_image, name="screen_image"),
    path("screens/<id:pk>/thumbnail/", views.screen_image, {"thumbnail": True}, name="screen_thumbnail"),
    # Bundles are served from their own path, into a sandboxed iframe (prototypes.bundles).
    path("bundles/<id:pk>/<path:path>", views.bundle_file, name="bundle_file"),
]
