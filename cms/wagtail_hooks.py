"""The CMS admin's choosers for ideas and backlog items, used by the release notes' inline panels.

Registering a ChooserViewSet also makes its widget the default for every ForeignKey to the model in
Wagtail's forms (ChooserViewSet.register_widget), so ReleaseNoteIdea's FieldPanel("idea") gets it.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from backlog.models import BacklogItem
from ideas.models import Idea


class PublicIdeasMixin:
    def get_object_list(self):
        # Public ideas only, newest first: a release links what members can see.
        return Idea.objects.listed().only("id", "title").order_by("-created_at", "-pk")


class IdeaChooseView(PublicIdeasMixin, ChooseView):
    pass


class IdeaChooseResultsView(PublicIdeasMixin, ChooseResultsView):
    pass


class IdeaChooserViewSet(ChooserViewSet):
    model = Idea
    icon = "pick"
    choose_one_text = _("Choose an idea")
    choose_another_text = _("Choose another idea")
    choose_view_class = IdeaChooseView
    choose_results_view_class = IdeaChooseResultsView
    per_page = 30


class OpenItemsMixin:
    def get_object_list(self):
        return (
            BacklogItem.objects.exclude(status=BacklogItem.Status.DROPPED)
            .only("id", "title")
            .order_by("-status_changed_at", "-pk")
        )


class BacklogItemChooseView(OpenItemsMixin, ChooseView):
    pass


class BacklogItemChooseResultsView(OpenItemsMixin, ChooseResultsView):
    pass


class BacklogItemChooserViewSet(ChooserViewSet):
    model = BacklogItem
    icon = "list-ul"
    choose_one_text = _("Choose a backlog item")
    choose_another_text = _("Choose another backlog item")
    choose_view_class = BacklogItemChooseView
    choose_results_view_class = BacklogItemChooseResultsView
    per_page = 30


@hooks.register("register_admin_viewset")
def register_choosers():
    return [
        IdeaChooserViewSet("idea_chooser", url_prefix="idea-chooser"),
        BacklogItemChooserViewSet("backlog_item_chooser", url_prefix="backlog-item-chooser"),
    ]
