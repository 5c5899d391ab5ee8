"""Demo prototypes with generated screens (Pillow), for `make run`: the camera's shutter screen, offline
map downloads and pinned chat messages, two or three variants each, some with several screens."""

import io
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.utils import timezone
from PIL import Image, ImageDraw

from community.roles import Role
from community.services import role_grant
from ideas.models import Idea
from products.models import Product
from prototypes import services
from prototypes.models import Prototype, Variant

TITLE = "Pocket camera: a new shutter screen"
WIDTH, HEIGHT = 360, 640
INK, PAPER, GREY = (40, 44, 52), (247, 247, 249), (200, 204, 212)


def png(picture: Image.Image, name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return SimpleUploadedFile(f"{name}.png", buffer.getvalue(), content_type="image/png")


def phone(title: str, accent) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """An empty phone screen: a status bar and an app bar in the accent colour with its title."""
    picture = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, WIDTH, 22), fill=INK)
    draw.text((12, 5), "9:41", fill=(255, 255, 255))
    draw.text((WIDTH - 48, 5), "87%", fill=(255, 255, 255))
    draw.rectangle((0, 22, WIDTH, 72), fill=accent)
    draw.text((16, 40), title, fill=(255, 255, 255))
    return picture, draw


def camera_screen(label: str, accent, *, compact: bool) -> SimpleUploadedFile:
    picture, draw = phone(label, accent)
    draw.rectangle((20, 88, 340, 440), fill=(60, 60, 60))  # the viewfinder
    draw.line((126, 88, 126, 440), fill=(90, 90, 90))
    draw.line((234, 88, 234, 440), fill=(90, 90, 90))
    size = 48 if compact else 72
    centre = (180, 545 if compact else 535)
    draw.ellipse(
        (centre[0] - size // 2, centre[1] - size // 2, centre[0] + size // 2, centre[1] + size // 2),
        fill=accent,
    )
    for n, mode in enumerate(("Photo", "Video", "Night")):
        draw.text((60 + n * 100, 460), mode, fill=INK)
    draw.rounded_rectangle((28, 520, 76, 568), radius=8, fill=GREY)  # the last photo
    return png(picture, label.lower().replace(" ", "-"))


def camera_settings(label: str, accent) -> SimpleUploadedFile:
    picture, draw = phone(f"{label}: settings", accent)
    for n, (name, on) in enumerate(
        (
            ("Grid lines", True),
            ("Shutter sound", False),
            ("Save RAW", True),
            ("Timer", False),
            ("Location", True),
        )
    ):
        top = 96 + n * 64
        draw.text((20, top + 18), name, fill=INK)
        draw.rounded_rectangle((280, top + 12, 332, top + 40), radius=14, fill=accent if on else GREY)
        draw.ellipse(
            (306, top + 14, 330, top + 38) if on else (282, top + 14, 306, top + 38), fill=(255, 255, 255)
        )
        draw.line((20, top + 60, 340, top + 60), fill=GREY)
    return png(picture, f"{label.lower().replace(' ', '-')}-settings")


def maps_screen(label: str, accent, *, map_first: bool, step: int) -> SimpleUploadedFile:
    picture, draw = phone("Offline maps", accent)
    regions = ("Helsinki region", "Lapland", "Stockholm", "Tallinn old town")
    sizes = ("420 MB", "1.2 GB", "380 MB", "60 MB")
    map_box = (0, 72, WIDTH, 360) if map_first else (0, 392, WIDTH, 600)
    draw.rectangle(map_box, fill=(214, 232, 214))
    for n in range(6):  # roads
        draw.line(
            (0, map_box[1] + 30 + n * 45, WIDTH, map_box[1] + 10 + n * 40), fill=(250, 250, 250), width=4
        )
    draw.rectangle(
        (map_box[0] + 80, map_box[1] + 40, map_box[0] + 260, map_box[1] + 180), outline=accent, width=3
    )
    list_top = 372 if map_first else 88
    for n, (region, size) in enumerate(zip(regions[: 3 if map_first else 4], sizes, strict=False)):
        top = list_top + n * 62
        draw.text((20, top + 12), region, fill=INK)
        draw.text((20, top + 32), size + (" · Wi-Fi only" if step else ""), fill=(110, 114, 124))
        draw.rounded_rectangle((250, top + 12, 340, top + 44), radius=6, fill=accent if n == 0 else GREY)
        draw.text((262, top + 20), "Update" if step and n == 0 else "Get", fill=(255, 255, 255))
    return png(picture, f"maps-{label.lower().replace(' ', '-')}-{step}")


def chat_screen(label: str, accent, *, style: str) -> SimpleUploadedFile:
    picture, draw = phone("Class of 2027", accent)
    top = 72
    if style == "banner":
        draw.rectangle((0, 72, WIDTH, 120), fill=(255, 243, 214))
        draw.text((16, 82), "Pinned: Exam on Friday, room B204", fill=INK)
        top = 120
    messages = (
        ("Maya", "Anyone has the notes from Tuesday?"),
        ("Jonas", "Sent them to the drive folder"),
        ("You", "Thanks!"),
        ("Aino", "Exam on Friday, room B204"),
        ("Ben", "Same room as last time?"),
    )
    for n, (who, text) in enumerate(messages):
        y = top + 16 + n * 76
        mine = who == "You"
        box = (WIDTH - 250, y, WIDTH - 16, y + 56) if mine else (16, y, 250, y + 56)
        draw.rounded_rectangle(box, radius=12, fill=accent if mine else (255, 255, 255), outline=GREY)
        draw.text((box[0] + 12, y + 8), who, fill=(255, 255, 255) if mine else accent)
        draw.text((box[0] + 12, y + 28), text, fill=(255, 255, 255) if mine else INK)
    if style == "chip":
        draw.rounded_rectangle((110, 560, 250, 592), radius=16, fill=accent)
        draw.text((128, 570), "1 pinned message", fill=(255, 255, 255))
    if style == "drawer":
        draw.rectangle((0, 520, WIDTH, HEIGHT), fill=(255, 255, 255), outline=GREY)
        draw.text((16, 532), "Pinned (2)", fill=accent)
        draw.text((16, 560), "Exam on Friday, room B204", fill=INK)
        draw.text((16, 584), "Project groups: see the sheet", fill=INK)
    draw.rectangle((0, HEIGHT - 44, WIDTH, HEIGHT), fill=(255, 255, 255))
    draw.text((16, HEIGHT - 30), "Message", fill=(150, 150, 150))
    return png(picture, f"chat-{style}")


def prototypes():
    """title, product, stage, description, closes in days, related idea title, variants, questions"""
    return [
        (
            TITLE, "Camera app", Prototype.Stage.ALPHA,
            "Two ideas for the shutter screen. Rate each, tell us which you prefer, and pin your comments "
            "where they belong.",
            21, "RAW + JPEG with one tap",
            [
                ("Big shutter", [camera_screen("Big shutter", (40, 110, 200), compact=False),
                                 camera_settings("Big shutter", (40, 110, 200))]),
                ("Compact", [camera_screen("Compact", (200, 90, 40), compact=True),
                             camera_settings("Compact", (200, 90, 40))]),
            ],
            True,
        ),
        (
            "Offline maps: choose what to download", "Maps", Prototype.Stage.CONCEPT,
            "Pick regions to keep offline and let them update on Wi-Fi. Which layout makes it clearer?",
            10, "Offline maps that update over Wi-Fi only",
            [
                ("Map first", [maps_screen("Map first", (30, 140, 90), map_first=True, step=0),
                               maps_screen("Map first", (30, 140, 90), map_first=True, step=1)]),
                ("List first", [maps_screen("List first", (30, 140, 90), map_first=False, step=0),
                                maps_screen("List first", (30, 140, 90), map_first=False, step=1)]),
            ],
            False,
        ),
        (
            "Pinned messages in group chats", "Messaging", Prototype.Stage.BETA,
            "Three ways to keep the important message of a group in sight. Swipe through them and pin "
            "what you would change.",
            30, "Pin a message in group chats",
            [
                ("Banner", [chat_screen("Banner", (110, 70, 190), style="banner")]),
                ("Chip", [chat_screen("Chip", (110, 70, 190), style="chip")]),
                ("Drawer", [chat_screen("Drawer", (110, 70, 190), style="drawer")]),
            ],
            False,
        ),
    ]  # fmt: skip


class Command(BaseCommand):
    help = "Create the demo prototypes with generated screens (each skipped if it exists)."

    def handle(self, *args, **options):
        members = get_user_model().objects
        author = members.filter(email="rd@example.com").first()
        if author is None:
            author = members.create_user(username="rd-demo", email="rd@example.com", password="cocreate-demo")  # noqa: S106 - the documented demo log-in
        if not author.has_perm("prototypes.publish_prototype"):
            role_grant(member=author, role=Role.RND, granted_by=None)
            author = members.get(pk=author.pk)
        made = []
        for title, product, stage, description, days, idea, variants, survey in prototypes():
            if Prototype.objects.filter(title=title).exists():
                continue
            prototype = services.prototype_create(
                created_by=author,
                title=title,
                description=description,
                product=Product.objects.filter(name=product).first(),
                stage=stage,
                closes_at=timezone.now() + timedelta(days=days),
                beta_seats=20 if stage != Prototype.Stage.CONCEPT else 0,
                linked_ideas=list(Idea.objects.filter(title=idea)[:1]),
            )
            for name, screens in variants:
                services.variant_add(
                    prototype=prototype, by=author, name=name, kind=Variant.Kind.SCREENS, screen_files=screens
                )
            if survey:
                services.survey_question_add(
                    prototype=prototype, by=author, text="How easy was it to take a photo?", kind="scale"
                )
                services.survey_question_add(
                    prototype=prototype, by=author, text="Where do you take most photos?", kind="choice",
                    choices="At home\nOutdoors\nTravelling",
                )  # fmt: skip
                services.survey_question_add(
                    prototype=prototype, by=author, text="Anything else?", kind="text"
                )
            services.prototype_publish(prototype=prototype, by=author)
            made.append(prototype)
        if not made:
            self.stdout.write("Demo prototypes exist; nothing to do.")
            return
        self.stdout.write(
            self.style.SUCCESS("Created demo prototypes: " + ", ".join(f"/prototypes/{p.pk}/" for p in made))
        )
