import pytest
from django.core.management import call_command

from prototypes.models import Prototype

pytestmark = pytest.mark.django_db


def test_seed_prototypes_demo_creates_one_prototype_once(client):
    call_command("seed_prototypes_demo")
    call_command("seed_prototypes_demo")
    prototype = Prototype.objects.get()
    assert prototype.variants.count() == 2 and prototype.status == "published"
    assert all(v.current_version.screens.count() == 1 for v in prototype.variants.all())
    assert client.get(prototype.get_absolute_url()).status_code == 200
