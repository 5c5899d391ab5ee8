import pytest

pytestmark = pytest.mark.django_db


def test_guidelines_page_is_served_and_linked_from_every_page(client, wagtail_site):
    page = client.get("/guidelines/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Community guidelines" in text and "How moderation works" in text and "appeal" in text
    assert 'href="/guidelines/"' in client.get("/ideas/").content.decode()
