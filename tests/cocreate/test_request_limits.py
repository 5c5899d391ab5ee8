"""Request bodies are bounded in Django (cocreate.http): 413 from Content-Length before the body is read,
files stopped as they stream, and a form error naming a file that is too large (the text is kept)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.test import RequestFactory
from PIL import Image

from cocreate.http import BodyLimits, BodyLimitUploadHandler, OversizeUpload
from ideas.models import Idea
from tests.factories import make_idea

pytestmark = pytest.mark.django_db


def png(size=(300, 300), name="sketch.png"):
    buffer = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(buffer, format="PNG")  # noise: PNG cannot shrink it
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_an_announced_body_over_the_limit_is_413_before_it_is_read(alice_client, settings):
    for url in ("/ideas/new/", "/members/me/", "/moderation/", "/notifications/read/"):
        response = alice_client.post(
            url, "x=1", content_type="application/x-www-form-urlencoded", CONTENT_LENGTH=str(2**31)
        )
        assert response.status_code == 413, url
        assert b"too large" in response.content and response["Connection"] == "close"
    scripted = alice_client.post(
        "/ideas/new/", "{}", content_type="application/json", CONTENT_LENGTH=str(2**31)
    )
    assert scripted.status_code == 413 and "at most" in scripted.json()["error"]
    assert scripted["Connection"] == "close"  # its body was not read either


def test_the_too_large_page_says_the_limits_and_leads_back(alice_client):
    response = alice_client.post(
        "/ideas/new/", "x=1", content_type="application/x-www-form-urlencoded", CONTENT_LENGTH=str(2**31)
    )
    html = response.content.decode()
    assert "What you sent is too large: at most 50.5\xa0MB can be sent here at once." in html
    assert "Each file may be at most 8.0\xa0MB." in html  # not "a few megabytes"
    assert "Back button" in html and 'href="/">Go to the home page</a>' in html
    assert '<a class="brand" href="/">Cocreate</a>' in html  # the site's layout


def test_too_many_files_is_a_clear_page_not_a_bare_400(alice_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    files = [png(size=(10, 10), name=f"{n}.png") for n in range(4)]
    response = alice_client.post("/ideas/new/", {"title": "Many", "body": "Pictures", "images": files})
    assert response.status_code == 413
    assert "Too many files at once: at most 3 can be sent together." in response.content.decode()
    assert not Idea.objects.exists()


def test_too_much_text_names_the_text_limit(alice_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    idea = make_idea()
    for url, data in (
        ("/ideas/new/", {"title": "Long", "body": "x" * 20_000, "images": [png(size=(10, 10))]}),
        (f"/ideas/{idea.pk}/comments/", {"body": "x" * 20_000}),  # a form without files
    ):
        response = alice_client.post(url, data)
        assert response.status_code == 413, url
        assert "The text you sent is too long: at most 9.8\xa0KB of text" in response.content.decode(), url


def test_each_view_has_its_own_limit(alice_client, settings):
    settings.REQUEST_MAX_BYTES = 10_000
    form = {"title": "Big", "body": "x" * 20_000}
    assert alice_client.post("/ideas/preview/", form).status_code == 413  # the default limit
    assert alice_client.post("/ideas/new/", form).status_code != 413  # an idea takes images too


def test_an_image_over_the_per_file_limit_is_a_form_error_that_keeps_the_text(alice_client, settings):
    upload = png()
    settings.IMAGE_UPLOAD_MAX_BYTES = upload.size // 2
    response = alice_client.post(
        "/ideas/new/", {"title": "Keep me", "body": "My words", "images": [png(size=(40, 40)), upload]}
    )
    assert response.status_code == 400
    assert "“sketch.png” is too large" in response.content.decode()
    assert b"My words" in response.content and not Idea.objects.exists()


def test_the_upload_handler_drops_a_long_file_and_stops_a_long_body():
    handler = BodyLimitUploadHandler(RequestFactory().post("/"), BodyLimits(max_bytes=100, max_file_bytes=30))
    handler.new_file("images", "a.png", "image/png", None)
    assert handler.receive_data_chunk(b"x" * 20, 0) == b"x" * 20  # passed on to the handler that keeps it
    assert handler.receive_data_chunk(b"x" * 20, 20) is None  # over 30: nobody keeps the rest
    oversize = handler.file_complete(40)
    assert isinstance(oversize, OversizeUpload) and oversize.size > 30 and oversize.read() == b""
    handler.new_file("images", "b.png", "image/png", None)
    with pytest.raises(StopUpload) as stopped:
        handler.receive_data_chunk(b"x" * 70, 0)  # 110 bytes in all: the body is over its limit
    assert stopped.value.connection_reset and handler.over_limit


def test_a_file_announcing_its_own_length_over_the_limit_is_dropped_at_once():
    handler = BodyLimitUploadHandler(RequestFactory().post("/"), BodyLimits(max_bytes=100, max_file_bytes=30))
    handler.new_file("images", "a.png", "image/png", 50)
    assert handler.receive_data_chunk(b"x" * 10, 0) is None
    assert isinstance(handler.file_complete(10), OversizeUpload)


def test_a_refused_image_is_named_above_the_form_which_asks_for_the_files_again(alice_client):
    notes = SimpleUploadedFile("notes.png", b"my notes, not a picture", content_type="image/png")
    response = alice_client.post("/ideas/new/", {"title": "Keep me", "body": "My words", "images": [notes]})
    html = response.content.decode()
    assert response.status_code == 400
    # Where the page opens (on a phone the images field is screens below), with a link to the field.
    summary = html.index('class="form-errors error-summary" role="alert"')
    assert summary < html.index('name="title"')
    assert "Your idea is not posted yet." in html
    assert '<a href="#id_images">Images</a>: “notes.png” is not an image we can read' in html[summary:]
    assert "Choose your images again" in html  # a browser never keeps chosen files
    untitled = alice_client.post("/ideas/new/", {"title": "", "body": "My words"}).content.decode()
    assert '<a href="#id_title">Title</a>' in untitled and "Choose your images again" not in untitled
