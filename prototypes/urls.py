from django.urls import path

from . import views

app_name = "prototypes"
urlpatterns = [
    path("", views.prototype_list, name="list"),
    path("new/", views.prototype_create, name="create"),
    path("<int:pk>/", views.prototype_detail, name="detail"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/compare/", views.compare, name="compare"),
    path("<int:pk>/survey/", views.survey, name="survey"),
    path("<int:pk>/pins/", views.pin, name="pin"),
    path("<int:pk>/beta/", views.beta_join, name="beta_join"),
    path("<int:pk>/beta/withdraw/", views.beta_withdraw, name="beta_withdraw"),
    path("<int:pk>/manage/", views.prototype_manage, name="manage"),
    path("<int:pk>/variants/", views.variant_create, name="variant_create"),
    path("<int:pk>/questions/", views.question_create, name="question_create"),
    path("<int:pk>/quotas/", views.quota_set, name="quota_set"),
    path("<int:pk>/publish/", views.prototype_publish, name="publish"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/results.csv", views.results_csv, name="results_csv"),
    path("variants/<int:pk>/versions/", views.version_create, name="version_create"),
    path("screens/<int:pk>/", views.screen_image, name="screen_image"),
    path("screens/<int:pk>/thumbnail/", views.screen_image, {"thumbnail": True}, name="screen_thumbnail"),
    # Bundles are served from their own path, into a sandboxed iframe (prototypes.bundles).
    path("bundles/<int:pk>/<path:path>", views.bundle_file, name="bundle_file"),
]
