"""Avatars: checked in the request (the header: cocreate.images), decoded in the background into a
256×256 PNG (community.tasks, through the shared pipeline cocreate.image_processing)."""

from cocreate import image_processing
from cocreate.images import png_file, square

from .models import AvatarUpload, Member

SIZE = 256


def render(upload: AvatarUpload, checked) -> dict:
    return {"avatar": png_file(square(checked.image.convert("RGBA"), SIZE), "avatar.png")}


def store(upload: AvatarUpload, rendered: dict) -> image_processing.Stored:
    """The member's avatar becomes the new picture; the old one's file goes after the commit. Locking:
    runs under the upload's row lock and takes the member's, the order `member_update_profile` keeps."""
    member = Member.objects.select_for_update().get(pk=upload.member_id)
    old = member.avatar.name
    member.avatar.save(rendered["avatar"].name, rendered["avatar"], save=False)
    member.save(update_fields=["avatar"])
    return image_processing.Stored(fields=[], written=[member.avatar.name], replaced=[old] if old else [])


AVATARS = image_processing.ImageKind(name="avatars", model=AvatarUpload, render=render, store=store)


def process_avatar(upload_id: int) -> str:
    """Make the avatar of one PROCESSING upload; returns the upload's status afterwards."""
    return image_processing.process(AVATARS, upload_id)
