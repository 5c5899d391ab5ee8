from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from taggit.forms import TagField

from cocreate.fields import IdField, ModelIdChoiceField
from cocreate.images import image_limits, inspect_image
from community.models import Segment
from community.selectors import owner_candidates
from products.models import Product

from . import workflow
from .models import Comment, Idea, campaign_model
from .selectors import SORTS
from .services import MAX_IMAGES_PER_IDEA


def enable_mentions(field: forms.Field, *, idea_id: int | None = None) -> None:
    """Let the @mention picker (static/js/mentions.js) work on this textarea: where to ask, about which
    thread, and its words, all from the page."""
    field.widget.attrs.update(
        {
            "data-mention-url": reverse("ideas:mentions"),
            "data-mention-label": _("Members to mention"),
            **({"data-mention-idea": str(idea_id)} if idea_id else {}),
        }
    )


class IdeaForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=140, help_text=_("One sentence: what should change?")
    )
    body = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=20000,
        help_text=_("Markdown works: **bold**, lists, links."),
    )
    tags = TagField(label=_("Tags"), required=False, help_text=_("Comma-separated, e.g. camera, battery"))
    product = ModelIdChoiceField(label=_("Product"), queryset=Product.objects.all(), required=False)
    segment = ModelIdChoiceField(
        label=_("Who needs it"), queryset=Segment.objects.filter(is_public=True), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        enable_mentions(self.fields["body"])

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(_("Give your idea a title."))
        return title

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if len(tags) > 10:
            raise forms.ValidationError(_("Use at most 10 tags."))
        if any(len(tag) > 50 for tag in tags):
            raise forms.ValidationError(_("Keep each tag under 50 characters."))
        return tags

    @classmethod
    def initial_for(cls, idea: Idea) -> dict:
        return {
            "title": idea.title,
            "body": idea.body,
            "tags": list(idea.tags.all()),
            "product": idea.product_id,
            "segment": idea.segment_id,
        }


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImagesField(forms.FileField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(ImagesField, self).clean(f, initial) for f in files]


class IdeaCreateForm(IdeaForm):
    images = ImagesField(label=_("Images"), required=False)
    campaign = IdField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limits = image_limits()  # the site's one set, read per form so a settings change shows here too
        self.fields["images"].help_text = ngettext(
            "Up to %(n)d screenshot or sketch. %(limits)s",
            "Up to %(n)d screenshots or sketches. %(limits)s",
            MAX_IMAGES_PER_IDEA,
        ) % {
            "n": MAX_IMAGES_PER_IDEA,
            "limits": limits.help_text,
        }
        self.fields["images"].widget.attrs["accept"] = limits.accept

    def clean_images(self):
        images = self.cleaned_data["images"]
        if len(images) > MAX_IMAGES_PER_IDEA:
            raise forms.ValidationError(
                ngettext(
                    "At most %(n)d image per idea.", "At most %(n)d images per idea.", MAX_IMAGES_PER_IDEA
                )
                % {"n": MAX_IMAGES_PER_IDEA}
            )
        for upload in images:
            inspect_image(upload)  # the header only (decoding is a background task); names the file
        return images

    def clean_campaign(self):
        pk = self.cleaned_data.get("campaign")
        if not pk:
            return None
        campaign = campaign_model().objects.live().filter(pk=pk).first()
        if campaign is None:
            raise forms.ValidationError(_("That campaign does not exist."))
        if not campaign.is_open:
            raise forms.ValidationError(_("This campaign is closed: it takes no new ideas."))
        return campaign


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )
    parent = IdField(required=False, widget=forms.HiddenInput)
    official = forms.BooleanField(label=_("Post as an official response"), required=False)

    def __init__(self, *args, idea: Idea, **kwargs):
        super().__init__(*args, **kwargs)
        self.idea = idea
        enable_mentions(self.fields["body"], idea_id=idea.pk)

    def clean_parent(self):
        parent_id = self.cleaned_data.get("parent")
        if not parent_id:
            return None
        parent = Comment.objects.filter(pk=parent_id, idea=self.idea, visibility="public").first()
        if parent is None:
            raise forms.ValidationError(_("The comment you replied to is not on this idea."))
        return parent


class IdeaFilterForm(forms.Form):
    SORT_CHOICES = [
        ("hot", _("Hot")),
        ("top", _("Top")),
        ("new", pgettext_lazy("sort order", "New")),
        ("discussed", _("Most discussed")),
        ("trending", _("Trending this week")),
    ]
    # A free field, not a ChoiceField: an unknown sort in an old link falls back to "hot".
    sort = forms.CharField(required=False, max_length=10)
    status = forms.ChoiceField(choices=[("", _("Any status")), *Idea.Status.choices], required=False)
    tag = forms.SlugField(required=False, max_length=100)
    segment = forms.SlugField(required=False, max_length=100)
    product = forms.SlugField(required=False, max_length=100)
    cursor = forms.CharField(required=False, max_length=200)

    def clean_sort(self):
        return self.cleaned_data["sort"] if self.cleaned_data["sort"] in SORTS else "hot"


class StatusForm(forms.Form):
    """A status of the idea's product's workflow (ideas.workflow: its key) and a public note. Any
    status of the workflow validates here; whether the idea may move there is the service's to say
    (idea_set_status: "An idea that is … cannot become …"). `offer_allowed_only` lists, for the page,
    only the statuses the idea may move to."""

    status = forms.ChoiceField(label=_("New status"))
    note = forms.CharField(label=_("Public note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args, idea: Idea | None = None, offer_allowed_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        steps = workflow.steps_of(idea.product_id if idea is not None else None)
        if offer_allowed_only and idea is not None:
            current = workflow.current_step(idea, steps)
            steps = [s for s in steps if current is not None and s.key in current.next_keys]
        choices = [(step.key, step.name) for step in steps]
        # Stages name the first status of their kind in any workflow (as triage declines).
        known = {step.key for step in steps}
        if not offer_allowed_only:
            choices += [(stage, stage) for stage in workflow.STAGES if stage not in known]
        self.fields["status"].choices = choices


class InternalNoteForm(forms.Form):
    body = forms.CharField(
        label=_("Staff note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
        help_text=_("Only staff read this. @mention a colleague to tell them."),
    )


class OwnerForm(forms.Form):
    """An idea's or a backlog item's owner: R&D and administrators only; empty for nobody."""

    owner = ModelIdChoiceField(label=_("Owner"), queryset=None, required=False, empty_label=_("Nobody"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_candidates()


class MergeForm(forms.Form):
    target = IdField(label=_("Merge into idea number"), min_value=1)
    note = forms.CharField(label=_("Public note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def clean_target(self):
        target = Idea.objects.filter(pk=self.cleaned_data["target"]).first()
        if target is None:
            raise forms.ValidationError(_("No idea with that number."))
        return target


class CommentEditForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)

    def __init__(self, *args, idea_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        enable_mentions(self.fields["body"], idea_id=idea_id)
