"""Expert evaluation pages, mounted at /staff/evaluation/ (STAFF_PATH_PREFIXES: two-factor auth)."""

from django.urls import path

import cocreate.converters  # noqa: F401  (registers the <id:…> converter)

from . import evaluation_views

app_name = "evaluation"
urlpatterns = [
    path("", evaluation_views.evaluation_list, name="list"),
    path("ideas/<id:pk>/", evaluation_views.idea_scores, name="score"),
    path("<slug:product>/", evaluation_views.evaluation_detail, name="product"),
    path("<slug:product>/criteria/", evaluation_views.criterion_create, name="criteria"),
    path("<slug:product>/evaluators/", evaluation_views.evaluators_update, name="evaluators"),
]
