from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from cocreate.http import body_limit, json_error, redirect_to_next, wants_json
from cocreate.spreadsheets import csv_download
from community import permissions
from community.access import contributor_required, staff_required
from ideas.services import follow_topic_set

from . import bundles, selectors, services
from .forms import (
    CompareForm,
    PinForm,
    PrototypeForm,
    QuestionForm,
    QuotaForm,
    RatingForm,
    VariantForm,
    VersionForm,
)
from .limits import limit
from .models import BetaSignup, Pin, Prototype, Screen, Variant, VariantVersion


def _messages_of(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return " ".join(str(e) for errors in error.values() for e in errors)  # form.errors


def _refused(request, prototype, error, *, place=""):
    """Bad input: 400 with {"error": …} for scripts; for browsers the message beside the form it is
    about (`place`, see `_placed`)."""
    message = _messages_of(error)
    if wants_json(request):
        return json_error(message, status=400)
    messages.error(request, message, extra_tags=_place_tag(place))
    return redirect(_place_url(prototype, place))


def _done(request, prototype, message, *, place="", **payload):
    """Success: {"ok": true, …} for scripts; for browsers the confirmation beside the form that was used
    (`place`), and the page opens there: nothing to find at the top of a long page."""
    if wants_json(request):
        return JsonResponse({"ok": True, "message": message, **payload})
    messages.success(request, message, extra_tags=_place_tag(place))
    return redirect(_place_url(prototype, place))


PLACE_TAG = "place:"


def _place_tag(place: str) -> str:
    return f"{PLACE_TAG}{place}" if place else ""


def _place_url(prototype, place: str) -> str:
    return prototype.get_absolute_url() + (f"#done-{place}" if place else "")


def _places(request, prototype, is_open: bool) -> set[str]:
    """The places prototypes/detail.html shows messages at (`{% placed_messages %}`), for this viewer."""
    variants = list(prototype.variants.all())
    places = {"variants", *(f"variant-{v.pk}" for v in variants)}
    places |= {
        f"screen-{screen.pk}"
        for v in variants
        if v.current_version
        for screen in v.current_version.screens.all()
        if screen.status == Screen.Status.READY
    }
    if prototype.beta_seats:
        places.add("beta")
    if is_open and request.user.is_authenticated:
        places |= {"compare"} if len(variants) > 1 else set()
        places |= {"survey"} if prototype.questions.all() else set()
    return places


def _placed(request, places: set[str]) -> tuple[list, dict]:
    """The member's messages split into those for the top of the page and those shown beside a form
    (prototypes/_placed_messages.html), by place; a message for a place the page does not show (the
    survey was removed meanwhile) goes to the top."""
    top, placed = [], {}
    for message in messages.get_messages(request):
        tag = next((t for t in message.extra_tags.split() if t.startswith(PLACE_TAG)), None)
        place = tag and tag.removeprefix(PLACE_TAG)
        if place in places:
            placed.setdefault(place, []).append(message)
        else:
            top.append(message)
    return top, placed


def _screen_place(request) -> str:
    screen = request.POST.get("screen", "")
    return f"screen-{screen}" if screen.isdigit() else "variants"


def _visible(request, pk) -> Prototype:
    return get_object_or_404(Prototype.objects.visible_to(request.user), pk=pk)


# --- Pages -------------------------------------------------------------------------------------------


def prototype_list(request):
    return render(
        request, "prototypes/list.html", {"prototypes": selectors.prototype_list(user=request.user)}
    )


def prototype_detail(request, pk):
    try:
        prototype = selectors.prototype_for_page(user=request.user, pk=pk)
    except Prototype.DoesNotExist:
        raise Http404(_("No prototype with that number.")) from None
    is_open = prototype.is_open()
    top_messages, placed_messages = _placed(request, _places(request, prototype, is_open))
    return render(
        request,
        "prototypes/detail.html",
        {
            "prototype": prototype,
            "mine": selectors.member_state(user=request.user, prototype=prototype),
            "beta": selectors.beta_summary(prototype),
            "is_open": is_open,
            "may_publish": permissions.may_publish_prototypes(request.user),
            "may_see_results": permissions.may_see_prototype_results(request.user),
            "pin_form": PinForm(),
            # The context's `messages` wins over the context processor's: the top of the page shows
            # only those that belong to no form.
            "messages": top_messages,
            "placed_messages": placed_messages,
        },
    )


@require_GET
def screen_image(request, pk, thumbnail=False):
    screen = get_object_or_404(
        Screen.objects.select_related("version__variant__prototype"),
        pk=pk,
        status=Screen.Status.READY,  # until it is decoded there is no picture to send (the page says so)
        version__variant__prototype__in=Prototype.objects.visible_to(request.user),
    )
    field = screen.thumbnail if thumbnail and screen.thumbnail else screen.image
    content_type = "image/jpeg" if field.name.endswith(".jpg") else "image/png"
    with field.open("rb") as stored:
        response = HttpResponse(stored.read(), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@xframe_options_sameorigin
def bundle_file(request, pk, path):
    """One file of an HTML bundle, under a sandboxing CSP (see prototypes.bundles); no cookies are set."""
    version = get_object_or_404(
        VariantVersion.objects.exclude(bundle=""),
        pk=pk,
        variant__prototype__in=Prototype.objects.visible_to(request.user),
    )
    found = bundles.read_bundle_file(version.bundle, path)
    if found is None:
        raise Http404(_("The bundle has no such file."))
    content, content_type = found
    response = HttpResponse(content, content_type=content_type)
    response["Content-Security-Policy"] = bundles.BUNDLE_CSP
    # No Cross-Origin-Resource-Policy: the sandboxed (opaque-origin) bundle page loads its own scripts and
    # images from here, and to the browser those requests come from another origin.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, max-age=600"
    return response


# --- Customers ---------------------------------------------------------------------------------------


@require_POST
@contributor_required
def rate(request, pk):
    prototype = _visible(request, pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _refused(request, prototype, form.errors, place="variants")
    version = get_object_or_404(
        VariantVersion.objects.select_related("variant__prototype"),
        pk=form.cleaned_data["version"],
        variant__prototype=prototype,
    )
    try:
        rating = services.rating_save(
            member=request.user,
            version=version,
            score=form.cleaned_data["score"],
            would_use=form.cleaned_data["would_use"],
        )
    except ValidationError as error:
        return _refused(request, prototype, error, place=f"variant-{version.variant_id}")
    return _done(
        request,
        prototype,
        _("Thanks, your rating of %(name)s is saved.") % {"name": version.variant.name},
        place=f"variant-{version.variant_id}",
        score=rating.score,
        would_use=rating.would_use,
    )


@require_POST
@contributor_required
def compare(request, pk):
    prototype = _visible(request, pk)
    form = CompareForm(request.POST)
    if not form.is_valid():
        return _refused(request, prototype, form.errors, place="compare")
    variants = {v.pk: v for v in prototype.variants.filter(pk__in=form.cleaned_data.values())}
    winner, loser = variants.get(form.cleaned_data["winner"]), variants.get(form.cleaned_data["loser"])
    if winner is None or loser is None:
        return _refused(
            request,
            prototype,
            ValidationError(_("Both variants must belong to this prototype.")),
            place="compare",
        )
    try:
        services.comparison_record(member=request.user, prototype=prototype, winner=winner, loser=loser)
    except ValidationError as error:
        return _refused(request, prototype, error, place="compare")
    return _done(request, prototype, _("You picked %(name)s.") % {"name": winner.name}, place="compare")


@require_POST
@contributor_required
def survey(request, pk):
    prototype = _visible(request, pk)
    answers = {}
    for key, value in request.POST.items():
        if key.startswith("q") and key[1:].isdigit():
            answers[int(key[1:])] = value
    try:
        services.survey_submit(member=request.user, prototype=prototype, answers=answers)
    except ValidationError as error:
        return _refused(request, prototype, error, place="survey")
    return _done(request, prototype, _("Thanks for answering the survey."), place="survey")


@require_POST
@contributor_required
def pin(request, pk):
    prototype = _visible(request, pk)
    form = PinForm(request.POST)
    if not form.is_valid():
        return _refused(request, prototype, form.errors, place=_screen_place(request))
    screen = get_object_or_404(
        Screen.objects.select_related("version__variant__prototype"),
        pk=form.cleaned_data["screen"],
        version__variant__prototype=prototype,
    )
    parent = None
    if form.cleaned_data["parent"]:
        parent = get_object_or_404(Pin, pk=form.cleaned_data["parent"], screen=screen)
    try:
        created = services.pin_add(
            author=request.user,
            screen=screen,
            body=form.cleaned_data["body"],
            x=form.cleaned_data["x"],
            y=form.cleaned_data["y"],
            parent=parent,
        )
    except ValidationError as error:
        return _refused(request, prototype, error, place=f"screen-{screen.pk}")
    return _done(
        request,
        prototype,
        _("Your reply is posted.") if parent else _("Your comment is pinned to the screen."),
        place=f"screen-{screen.pk}",
        pin={"id": created.pk, "x": created.x, "y": created.y},
    )


@require_POST
@contributor_required
def beta_join(request, pk):
    prototype = _visible(request, pk)
    try:
        signup = services.beta_sign_up(member=request.user, prototype=prototype)
    except ValidationError as error:
        return _refused(request, prototype, error, place="beta")
    message = (
        _("You have a seat in the beta.")
        if signup.state == BetaSignup.State.SEATED
        else _("The beta is full: you are on the waiting list.")
    )
    return _done(request, prototype, message, place="beta", state=signup.state)


@require_POST
@contributor_required
def beta_withdraw(request, pk):
    prototype = _visible(request, pk)
    try:
        services.beta_withdraw(member=request.user, prototype=prototype)
    except ValidationError as error:
        return _refused(request, prototype, error, place="beta")
    return _done(request, prototype, _("You left the beta."), place="beta")


# --- R&D ---------------------------------------------------------------------------------------------


@staff_required(permissions.may_publish_prototypes)
def prototype_create(request):
    form = PrototypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            prototype = services.prototype_create(created_by=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Draft created. Add variants, then publish it."))
            return redirect("prototypes:manage", pk=prototype.pk)
    return render(request, "prototypes/form.html", {"form": form}, status=400 if form.errors else 200)


def _manage_context(prototype, **forms):
    return {
        "prototype": prototype,
        "variants": prototype.variants.select_related("current_version").prefetch_related("versions"),
        "questions": prototype.questions.all(),
        "quotas": prototype.beta_quotas.select_related("segment"),
        "variant_form": forms.get("variant_form") or VariantForm(),
        "version_form": VersionForm(),
        "question_form": forms.get("question_form") or QuestionForm(),
        "quota_form": forms.get("quota_form") or QuotaForm(),
    }


@staff_required(permissions.may_publish_prototypes)
def prototype_manage(request, pk):
    prototype = get_object_or_404(Prototype, pk=pk)
    return render(request, "prototypes/manage.html", _manage_context(prototype))


def _manage_post(request, prototype, form, action, form_name):
    """Run an R&D form through its service; errors re-render the manage page with the form."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("prototypes:manage", pk=prototype.pk)
    if wants_json(request):
        return json_error(_messages_of(form.errors), status=400)
    return render(
        request, "prototypes/manage.html", _manage_context(prototype, **{form_name: form}), status=400
    )


def _version_body_limit() -> int:
    """A version's screens (each within the image limit), its bundle and its text fields."""
    return (
        limit("SCREENS_PER_VERSION") * settings.IMAGE_UPLOAD_MAX_BYTES
        + limit("BUNDLE_MAX_BYTES")
        + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )


def _version_file_limit() -> int:
    return max(settings.IMAGE_UPLOAD_MAX_BYTES, limit("BUNDLE_MAX_BYTES"))


@body_limit(_version_body_limit, max_file_bytes=_version_file_limit)
@require_POST
@staff_required(permissions.may_publish_prototypes)
def variant_create(request, pk):
    prototype = get_object_or_404(Prototype, pk=pk)
    form = VariantForm(request.POST, request.FILES)
    return _manage_post(
        request,
        prototype,
        form,
        lambda data: services.variant_add(prototype=prototype, by=request.user, **data),
        "variant_form",
    )


@body_limit(_version_body_limit, max_file_bytes=_version_file_limit)
@require_POST
@staff_required(permissions.may_publish_prototypes)
def version_create(request, pk):
    variant = get_object_or_404(Variant.objects.select_related("prototype"), pk=pk)
    form = VersionForm(request.POST, request.FILES)
    return _manage_post(
        request,
        variant.prototype,
        form,
        lambda data: services.variant_version_add(variant=variant, by=request.user, **data),
        "variant_form",
    )


@require_POST
@staff_required(permissions.may_publish_prototypes)
def question_create(request, pk):
    prototype = get_object_or_404(Prototype, pk=pk)
    return _manage_post(
        request,
        prototype,
        QuestionForm(request.POST),
        lambda data: services.survey_question_add(prototype=prototype, by=request.user, **data),
        "question_form",
    )


@require_POST
@staff_required(permissions.may_publish_prototypes)
def quota_set(request, pk):
    prototype = get_object_or_404(Prototype, pk=pk)
    return _manage_post(
        request,
        prototype,
        QuotaForm(request.POST),
        lambda data: services.beta_quota_set(prototype=prototype, by=request.user, **data),
        "quota_form",
    )


@require_POST
@staff_required(permissions.may_publish_prototypes)
def prototype_publish(request, pk):
    prototype = get_object_or_404(Prototype, pk=pk)
    try:
        services.prototype_publish(prototype=prototype, by=request.user)
    except ValidationError as error:
        messages.error(request, _messages_of(error))
        return redirect("prototypes:manage", pk=prototype.pk)
    messages.success(request, _("Published: customers can try it now."))
    return redirect(prototype)


@staff_required(permissions.may_see_prototype_results)
def results(request, pk):
    prototype = get_object_or_404(Prototype, pk=pk)
    return render(
        request,
        "prototypes/results.html",
        {"prototype": prototype, "results": selectors.prototype_results(prototype)},
    )


@staff_required(permissions.may_see_prototype_results)
def results_csv(request, pk):
    """Every piece of feedback, one row each (long format), for a spreadsheet or a notebook."""
    prototype = get_object_or_404(Prototype, pk=pk)
    rows = selectors.prototype_results(prototype)["_rows"]
    response, writer = csv_download(f"prototype-{prototype.pk}-results.csv")
    writer.writerow(["kind", "variant", "version", "member", "segments", "value", "detail", "x", "y", "at"])

    def segments_of(member_id):
        return "; ".join(rows["segments"].get(member_id, []))

    for r in rows["ratings"]:
        writer.writerow(
            ["rating", rows["names"][r.version.variant_id], r.version.number, r.member_id,
             segments_of(r.member_id), r.score, "would use" if r.would_use else "would not use", "", "",
             r.updated_at.isoformat()]
        )  # fmt: skip
    for c in rows["comparisons"]:
        writer.writerow(
            ["comparison", rows["names"][c.winner_id], "", c.member_id, segments_of(c.member_id), "won",
             f"against {rows['names'][c.loser_id]}", "", "", c.updated_at.isoformat()]
        )  # fmt: skip
    for a in rows["answers"]:
        question = rows["questions"][a.question_id]
        value = a.scale_value if a.scale_value is not None else (a.choice or a.text)
        member = a.member_id
        writer.writerow(
            ["survey", "", "", member, segments_of(member), value, question.text, "", "",
             a.updated_at.isoformat()]
        )  # fmt: skip
    for p in rows["pins"]:
        version = p.screen.version
        writer.writerow(
            ["pin", rows["names"][version.variant_id], version.number, p.author_id, segments_of(p.author_id),
             p.body, f"screen {p.screen_id}, {len(p.replies.all())} replies", f"{p.x:.4f}",
             f"{p.y:.4f}", p.created_at.isoformat()]
        )  # fmt: skip
    return response


@require_POST
@login_required
def prototype_follow(request, pk):
    """Follow (follow=1) or unfollow (follow=0) a prototype the member can see; back to `next`."""
    prototype = get_object_or_404(Prototype.objects.visible_to(request.user), pk=pk)
    following = request.POST.get("follow") == "1"
    follow_topic_set(member=request.user, target=prototype, following=following)
    if following:
        messages.success(request, _("You follow “%(name)s” now.") % {"name": prototype})
    else:
        messages.success(request, _("You no longer follow “%(name)s”.") % {"name": prototype})
    return redirect_to_next(request, prototype.get_absolute_url())
