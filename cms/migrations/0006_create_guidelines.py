from django.db import migrations

from cms import guidelines

BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _step(number: int) -> str:
    digits = ""
    for _ in range(4):
        number, digit = divmod(number, 36)
        digits = BASE36[digit] + digits
    return digits


def create_guidelines(apps, schema_editor):
    """/guidelines/ under the home page, with a first version editors can change."""
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    ContentPage = apps.get_model("cms.ContentPage")
    home = Page.objects.filter(depth=2, slug="home").first()
    if (
        home is None
        or Page.objects.filter(depth=3, slug=guidelines.SLUG, path__startswith=home.path).exists()
    ):
        return
    content_type, _ = ContentType.objects.get_or_create(model="contentpage", app_label="cms")
    step = 1
    while Page.objects.filter(path=home.path + _step(step)).exists():  # next free child slot
        step += 1
    ContentPage.objects.create(
        title=guidelines.TITLE, draft_title=guidelines.TITLE, slug=guidelines.SLUG, intro=guidelines.INTRO,
        body=guidelines.BODY, content_type=content_type, path=home.path + _step(step), depth=3, numchild=0,
        url_path=home.url_path + guidelines.SLUG + "/", locale_id=home.locale_id,
    )  # fmt: skip
    Page.objects.filter(pk=home.pk).update(numchild=home.numchild + 1)


class Migration(migrations.Migration):
    dependencies = [("cms", "0005_contentpage"), ("cms", "0004_create_campaign_index")]

    operations = [migrations.RunPython(create_guidelines, migrations.RunPython.noop)]
