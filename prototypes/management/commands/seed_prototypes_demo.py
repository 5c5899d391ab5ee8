"""A demo prototype with two gallery variants of generated screens, for `make run`."""

import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

from community.roles import Role
from community.services import role_grant
from prototypes import services
from prototypes.models import Prototype, Variant

TITLE = "Pocket camera: a new shutter screen"


def screen(label: str, accent: tuple[int, int, int], *, compact: bool) -> SimpleUploadedFile:
    """A phone-sized mock-up screen drawn with Pillow."""
    picture = Image.new("RGB", (360, 640), (245, 245, 245))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, 360, 56), fill=accent)
    draw.text((16, 20), label, fill=(255, 255, 255))
    draw.rectangle((20, 80, 340, 440), fill=(60, 60, 60))  # the viewfinder
    size = 48 if compact else 72
    centre = (180, 540 if compact else 530)
    draw.ellipse(
        (centre[0] - size // 2, centre[1] - size // 2, centre[0] + size // 2, centre[1] + size // 2),
        fill=accent,
    )
    for n, mode in enumerate(("Photo", "Video", "Night")):
        draw.text((60 + n * 100, 460), mode, fill=(40, 40, 40))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return SimpleUploadedFile(
        f"{label.lower().replace(' ', '-')}.png", buffer.getvalue(), content_type="image/png"
    )


class Command(BaseCommand):
    help = "Create a demo prototype with two variants (skipped if it exists)."

    def handle(self, *args, **options):
        if Prototype.objects.filter(title=TITLE).exists():
            self.stdout.write("Demo prototype exists; nothing to do.")
            return
        members = get_user_model().objects
        author = members.filter(email="rd@example.com").first()
        if author is None:
            author = members.create_user(username="rd-demo", email="rd@example.com", password="cocreate-demo")  # noqa: S106 - the documented demo log-in
        if not author.has_perm("prototypes.publish_prototype"):
            role_grant(member=author, role=Role.RND, granted_by=None)
            author = members.get(pk=author.pk)
        prototype = services.prototype_create(
            created_by=author,
            title=TITLE,
            description="Two ideas for the shutter screen. Rate each, tell us which you prefer, and pin your "
            "comments where they belong.",
            stage=Prototype.Stage.ALPHA,
            beta_seats=20,
        )
        for name, accent, compact in (
            ("Big shutter", (40, 110, 200), False),
            ("Compact", (200, 90, 40), True),
        ):
            services.variant_add(
                prototype=prototype,
                by=author,
                name=name,
                kind=Variant.Kind.SCREENS,
                screen_files=[screen(name, accent, compact=compact)],
            )
        services.survey_question_add(
            prototype=prototype, by=author, text="How easy was it to take a photo?", kind="scale"
        )
        services.survey_question_add(
            prototype=prototype, by=author, text="Where do you take most photos?", kind="choice",
            choices="At home\nOutdoors\nTravelling",
        )  # fmt: skip
        services.survey_question_add(prototype=prototype, by=author, text="Anything else?", kind="text")
        services.prototype_publish(prototype=prototype, by=author)
        self.stdout.write(
            self.style.SUCCESS(f"Created demo prototype {prototype.pk}: /prototypes/{prototype.pk}/")
        )
