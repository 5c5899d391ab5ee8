from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.fields import ModelIdMultipleChoiceField
from cocreate.images import image_limits

from .models import Member, Segment
from .roles import Role


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    display_name = forms.CharField(
        label=_("Display name"), max_length=60, help_text=_("Shown next to your ideas and comments.")
    )
    email_consent = forms.BooleanField(
        label=_("Email me about ideas I support (you can change this any time)"), required=False
    )

    def clean_display_name(self):
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError(_("Choose a display name."))
        return name

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"]
        user.email_consent = self.cleaned_data.get("email_consent", False)
        user.email_consent_at = timezone.now() if user.email_consent else None
        user.save(update_fields=["display_name", "email_consent", "email_consent_at"])


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=60)
    bio = forms.CharField(
        label=_("About you"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, required=False
    )
    avatar = forms.FileField(label=_("Avatar"), required=False)
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)
    email_consent = forms.BooleanField(
        label=Member._meta.get_field("email_consent").verbose_name, required=False
    )
    notify_status_changes = forms.BooleanField(
        label=Member._meta.get_field("notify_status_changes").verbose_name, required=False
    )
    notify_replies = forms.BooleanField(
        label=Member._meta.get_field("notify_replies").verbose_name, required=False
    )
    email_digest = forms.ChoiceField(label=_("Email digest"), choices=Member.Digest.choices)
    segments = ModelIdMultipleChoiceField(
        label=_("I am one of…"),
        queryset=Segment.objects.filter(is_public=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Pick the customer groups you belong to, so R&D knows who needs an idea."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limits = image_limits()  # the site's one set, read per form so a settings change shows here too
        self.fields["avatar"].help_text = _("%(limits)s Shown as a square.") % {"limits": limits.help_text}
        self.fields["avatar"].widget.attrs["accept"] = limits.accept

    @classmethod
    def initial_for(cls, member: Member) -> dict:
        return {
            "display_name": member.display_name,
            "bio": member.bio,
            "email_consent": member.email_consent,
            "notify_status_changes": member.notify_status_changes,
            "notify_replies": member.notify_replies,
            "email_digest": member.email_digest,
            "segments": list(member.segments.filter(is_public=True)),
        }


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput)
    confirm = forms.BooleanField(label=_("I understand my account cannot be restored."))

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_password(self):
        if not self.member.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError(_("That is not your password."))
        return self.cleaned_data["password"]


class SegmentAssignForm(forms.Form):
    segments = ModelIdMultipleChoiceField(
        label=_("Segments"),
        queryset=Segment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, manageable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segments"].queryset = manageable


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"), choices=[(r.value, r.label) for r in Role if r != Role.CUSTOMER]
    )
    action = forms.ChoiceField(choices=[("grant", _("Grant")), ("revoke", _("Revoke"))])


class MemberSearchForm(forms.Form):
    """The staff member list (/staff/members/): a name or address, and a role."""

    q = forms.CharField(label=_("Name, username or email"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("Any"))] + [(r.value, r.label) for r in Role]
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)


class ManagedSegmentsForm(forms.Form):
    """The segments a customer manager manages, chosen by an administrator."""

    segments = ModelIdMultipleChoiceField(
        label=_("Segments this member manages"),
        queryset=Segment.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
