import pytest
from django.core.management import call_command

from prototypes.models import Prototype, Screen

pytestmark = pytest.mark.django_db


def test_seed_prototypes_demo_creates_the_demo_prototypes_once(client):
    call_command("seed_prototypes_demo")
    call_command("seed_prototypes_demo")
    assert Prototype.objects.count() == 3
    assert sorted(p.variants.count() for p in Prototype.objects.all()) == [2, 2, 3]
    assert set(Prototype.objects.values_list("status", flat=True)) == {"published"}
    # Generated phone screens (Pillow), several for some variants; all processed and shown.
    screens = Screen.objects.all()
    assert screens.count() == 11 and {(s.width, s.height) for s in screens} == {(360, 640)}
    assert set(screens.values_list("status", flat=True)) == {"ready"}
    for prototype in Prototype.objects.all():
        assert all(v.current_version.screens.exists() for v in prototype.variants.all())
        assert client.get(prototype.get_absolute_url()).status_code == 200
    page = client.get("/prototypes/").content.decode()
    assert page.count('class="card-picture"') == 3
