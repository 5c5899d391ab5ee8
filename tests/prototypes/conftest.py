import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded screens and bundles go to a temporary folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
