from django.db import migrations


def create_campaign_index(apps, schema_editor):
    """/campaigns/ under the home page, so editors only add campaign pages."""
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    CampaignIndexPage = apps.get_model("cms.CampaignIndexPage")
    home = Page.objects.filter(depth=2, slug="home").first()
    if home is None or CampaignIndexPage.objects.exists():
        return
    content_type, _ = ContentType.objects.get_or_create(model="campaignindexpage", app_label="cms")
    path = home.path + "0001"
    while Page.objects.filter(path=path).exists():  # next free child slot
        path = home.path + f"{int(path[-4:], 36) + 1:04d}"
    CampaignIndexPage.objects.create(
        title="Campaigns", draft_title="Campaigns", slug="campaigns", content_type=content_type, path=path,
        depth=3, numchild=0, url_path=home.url_path + "campaigns/", locale_id=home.locale_id,
    )
    Page.objects.filter(pk=home.pk).update(numchild=home.numchild + 1)


class Migration(migrations.Migration):
    dependencies = [("cms", "0003_campaignindexpage_campaignpage"), ("cms", "0002_create_homepage")]

    operations = [migrations.RunPython(create_campaign_index, migrations.RunPython.noop)]
