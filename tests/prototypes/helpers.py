"""Building prototypes for tests, through the services as R&D builds them."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community.roles import Role
from prototypes import services
from prototypes.models import Variant

from ..factories import MemberFactory, with_role


def png_upload(name="screen.png", size=(64, 48), color=(40, 120, 200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def zip_upload(files: dict, name="bundle.zip", compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for path, content in files.items():
            if isinstance(path, zipfile.ZipInfo):
                archive.writestr(path, content)
            else:
                archive.writestr(path, content)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


def ensure_roles():
    """Recreate the role groups when a transactional or live-server test flushed them (they come from the
    data migrations community/0003 and prototypes/0002, which a flush does not replay)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from community.roles import sync_roles

    if (
        Permission.objects.filter(group__name="R&D", codename="publish_prototype").exists()
        and Permission.objects.filter(group__name="Community moderator", codename="moderate_members").exists()
    ):
        return
    ContentType.objects.clear_cache()
    for app_config in apps.get_app_configs():
        # community/0003 leaves models_module None, which would make create_permissions a no-op.
        module, app_config.models_module = app_config.models_module, True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = module
    sync_roles(Group, Permission)


def publisher():
    ensure_roles()
    return with_role(MemberFactory(), Role.RND)


def make_prototype(*, by=None, variants=("Classic", "Compact"), publish=True, beta_seats=0, **fields):
    """A prototype with gallery variants of one screen each (published unless told otherwise)."""
    by = by or publisher()
    prototype = services.prototype_create(created_by=by, title=fields.pop("title", "Camera app"),
                                          beta_seats=beta_seats, **fields)  # fmt: skip
    for name in variants:
        services.variant_add(
            prototype=prototype, by=by, name=name, kind=Variant.Kind.SCREENS, screen_files=[png_upload()]
        )
    if publish:
        services.prototype_publish(prototype=prototype, by=by)
    prototype.refresh_from_db()
    return prototype


def matrix_url(route: str) -> str:
    """A URL for tests/test_permission_matrix.py: a published prototype with a gallery, a video and an HTML
    bundle variant (and a segment "matrix-segment" for quota posts), with the route's placeholders filled."""
    from ..factories import SegmentFactory

    SegmentFactory(slug="matrix-segment", name="Matrix segment")
    by = publisher()
    prototype = make_prototype(by=by, variants=("Classic",), publish=False, beta_seats=2)
    film = services.variant_add(
        prototype=prototype, by=by, name="Film", kind=Variant.Kind.VIDEO, video_url="https://vimeo.com/1"
    )
    live = services.variant_add(
        prototype=prototype, by=by, name="Live", kind=Variant.Kind.BUNDLE,
        bundle_file=zip_upload({"index.html": "<p>mock</p>"}),
    )  # fmt: skip
    services.prototype_publish(prototype=prototype, by=by)
    screen = prototype.variants.get(name="Classic").current_version.screens.get()
    url = "/" + route
    if route.startswith("prototypes/variants/"):
        return url.replace("<id:pk>", str(film.pk))
    if route.startswith("prototypes/screens/"):
        return url.replace("<id:pk>", str(screen.pk))
    if route.startswith("prototypes/bundles/"):
        return url.replace("<id:pk>", str(live.current_version_id)).replace("<path:path>", "index.html")
    return url.replace("<id:pk>", str(prototype.pk))
