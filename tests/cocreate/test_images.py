"""One image validator (cocreate.images) with one set of limits in settings, for every upload path."""

import html
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cocreate.images import check_image, image_limits
from community.models import Member
from ideas.models import Idea
from prototypes import services as prototype_services
from prototypes.models import Screen

from ..prototypes.helpers import make_prototype, publisher


def picture(fmt="PNG", size=(64, 48), name="pic.png"):
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def test_a_real_picture_within_the_limits_passes_in_its_own_format():
    checked = check_image(picture("JPEG", name="p.jpg"))
    assert (checked.format, checked.width, checked.height) == ("JPEG", 64, 48)


@pytest.mark.parametrize(
    "upload, code",
    [
        (SimpleUploadedFile("x.png", b"<?php echo 1; ?>"), "not_image"),
        (SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40), "not_image"),
        (picture("BMP", name="x.bmp"), "format"),
    ],
)
def test_what_is_not_an_allowed_image_is_refused_with_its_name(upload, code):
    with pytest.raises(ValidationError) as refused:
        check_image(upload)
    assert refused.value.code == code and "“x." in refused.value.messages[0]


def test_the_limits_are_settings_read_on_every_call(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 3 * 2**20
    settings.IMAGE_UPLOAD_MAX_PIXELS = 3000
    settings.IMAGE_UPLOAD_FORMATS = ("PNG", "WEBP")
    limits = image_limits()
    assert (limits.max_bytes, limits.max_pixels) == (3 * 2**20, 3000)
    assert limits.format_list == "PNG or WebP" and limits.accept == "image/png,image/webp"
    assert limits.help_text == "PNG or WebP, at most 3.0\xa0MB."
    with pytest.raises(ValidationError, match="64×48 pixels: an image may have at most 0.003 million"):
        check_image(picture())


# Every path a member or R&D uploads a picture through, each answering with the validator's message.
def upload_avatar(client, upload):
    client.force_login(Member.objects.get(username="alice"))
    response = client.post(
        "/members/me/", {"display_name": "Alice", "email_digest": "daily", "avatar": upload}
    )
    return None if response.status_code == 302 else html.unescape(response.content.decode())


def upload_idea_image(client, upload):
    client.force_login(Member.objects.get(username="alice"))
    response = client.post("/ideas/new/", {"title": "With a sketch", "body": "See it", "images": [upload]})
    return None if response.status_code == 302 else html.unescape(response.content.decode())


def upload_screen(client, upload):
    prototype = make_prototype(variants=(), publish=False)
    try:
        prototype_services.variant_add(
            prototype=prototype, by=publisher(), name="Gallery", kind="screens", screen_files=[upload]
        )
    except ValidationError as refused:
        return " ".join(refused.messages)
    return None


PATHS = [upload_avatar, upload_idea_image, upload_screen]


@pytest.mark.parametrize("upload_through", PATHS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "setting, value, message",
    [
        ("IMAGE_UPLOAD_MAX_BYTES", 100, "an image may be at most 100\xa0bytes."),
        (
            "IMAGE_UPLOAD_MAX_PIXELS",
            1000,
            "“pic.png” is 64×48 pixels: an image may have at most 0.001 million",
        ),
        ("IMAGE_UPLOAD_FORMATS", ("JPEG",), "“pic.png” is not a JPEG image."),
    ],
)
def test_every_upload_path_refuses_by_the_same_limits(
    client, alice, settings, upload_through, setting, value, message
):
    assert upload_through(client, picture()) is None  # within the defaults: accepted
    setattr(settings, setting, value)
    answer = upload_through(client, picture())
    assert answer is not None and message in answer


def test_nothing_is_kept_from_a_refused_upload(client, alice, settings):
    settings.IMAGE_UPLOAD_MAX_PIXELS = 1000
    for upload_through in PATHS:
        upload_through(client, picture())
    alice.refresh_from_db()
    assert not alice.avatar and not Idea.objects.exists() and not Screen.objects.exists()
