import csv
import io

import pytest

from prototypes import services
from prototypes.models import BetaSignup, Comparison, Pin, Rating, SurveyAnswer, Variant

from .helpers import make_prototype, png_upload, publisher, zip_upload

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def prototype():
    return make_prototype(beta_seats=1)


def test_list_and_detail_show_published_prototypes_only(client, prototype):
    draft = make_prototype(title="Secret draft", publish=False)
    page = client.get("/prototypes/")
    assert b"Camera app" in page.content and b"Secret draft" not in page.content
    assert client.get(prototype.get_absolute_url()).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_detail_page_query_count_is_fixed(client, alice, prototype, django_assert_max_num_queries):
    client.force_login(alice)
    screen = prototype.variants.first().current_version.screens.get()
    for n in range(5):
        pin = services.pin_add(author=alice, screen=screen, x=n / 10, y=0.5, body=f"pin {n}")
        services.pin_add(author=alice, screen=screen, parent=pin, body="reply")
    with django_assert_max_num_queries(30):
        response = client.get(prototype.get_absolute_url())
    assert response.content.count(b'class="pin-marker"') == 5


def test_rate_compare_survey_pin_and_beta_through_forms(alice_client, alice, prototype):
    by = publisher()
    question = services.survey_question_add(prototype=prototype, by=by, text="How easy?", kind="scale")
    a, b = prototype.variants.all()
    url = prototype.get_absolute_url()
    response = alice_client.post(
        f"{url}rate/", {"version": a.current_version_id, "score": "4", "would_use": "yes"}
    )
    assert response.status_code == 302
    assert Rating.objects.get(member=alice).score == 4
    alice_client.post(f"{url}compare/", {"winner": b.pk, "loser": a.pk})
    assert Comparison.objects.get(member=alice).winner == b
    alice_client.post(f"{url}survey/", {f"q{question.pk}": "5"})
    assert SurveyAnswer.objects.get(member=alice).scale_value == 5
    screen = a.current_version.screens.get()
    alice_client.post(f"{url}pins/", {"screen": screen.pk, "x": "0.5", "y": "0.125", "body": "Here"})
    assert Pin.objects.values_list("x", "y").get() == (0.5, 0.125)
    alice_client.post(f"{url}beta/")
    assert BetaSignup.objects.get(member=alice).state == "seated"
    alice_client.post(f"{url}beta/withdraw/")
    assert BetaSignup.objects.get(member=alice).state == "withdrawn"


@pytest.mark.parametrize(
    "action, data, message",
    [
        ("rate", {"score": "9", "would_use": "yes"}, "1 to 5"),
        ("rate", {"score": "3"}, "would use"),
        ("pins", {"x": "1.5", "y": "0.5", "body": "Off screen"}, "on the screen"),
        ("pins", {"x": "0.5", "y": "0.5", "body": ""}, "required"),
        ("compare", {"winner": "999999", "loser": "1"}, "belong to this prototype"),
        ("survey", {}, "at least one"),
    ],
)
def test_bad_input_answers_json_400_with_an_error(alice_client, prototype, action, data, message):
    variant = prototype.variants.first()
    data = {**data}
    if action == "rate":
        data["version"] = variant.current_version_id
    if action == "pins":
        data["screen"] = variant.current_version.screens.get().pk
    response = alice_client.post(f"{prototype.get_absolute_url()}{action}/", data, **JSON)
    assert response.status_code == 400
    assert message.lower() in response.json()["error"].lower()
    # Browsers get the message on the page.
    response = alice_client.post(f"{prototype.get_absolute_url()}{action}/", data, follow=True)
    assert message.lower() in response.content.decode().lower()


def test_unverified_and_anonymous_members_cannot_give_feedback(client, nora, prototype):
    url = f"{prototype.get_absolute_url()}rate/"
    version = prototype.variants.first().current_version_id
    assert client.post(url, {"version": version, "score": "5", "would_use": "yes"}, **JSON).status_code == 401
    client.force_login(nora)
    assert client.post(url, {"version": version, "score": "5", "would_use": "yes"}, **JSON).status_code == 403
    assert not Rating.objects.exists()


def test_results_need_the_permission_and_two_factor(client, alice, rita, prototype):
    url = f"/prototypes/{prototype.pk}/results/"
    client.force_login(alice)
    assert client.get(url).status_code == 403
    no_totp = publisher()
    client.force_login(no_totp)
    assert "/2fa/" in client.get(url)["Location"]
    client.force_login(rita)
    assert client.get(url).status_code == 200


def test_results_page_and_csv(client, alice, bob, rita, prototype):
    a, b = prototype.variants.all()
    services.rating_save(member=alice, version=a.current_version, score=5, would_use=True)
    services.rating_save(member=bob, version=a.current_version, score=2, would_use=False)
    services.comparison_record(member=alice, prototype=prototype, winner=a, loser=b)
    services.pin_add(
        author=alice, screen=a.current_version.screens.get(), x=0.3, y=0.6, body="=HYPERLINK(evil)"
    )
    client.force_login(rita)
    page = client.get(f"/prototypes/{prototype.pk}/results/").content.decode()
    assert "mean 3.50" in page and 'data-pin="0.300,0.600"' in page and 'class="heat"' in page
    assert "style=" not in page
    # The rating distribution is the one bar chart (cocreate.charts): named, scaled to the largest count.
    assert "<title>Ratings of Classic, from 1 to 5 stars</title>" in page
    assert page.count('class="chart-svg chart-count"') == 1 and "<title>5: 1</title>" in page
    # Compact has no ratings yet: its chart says so instead of drawing empty bars.
    assert "Ratings of Compact, from 1 to 5 stars: nothing to chart yet." in page
    response = client.get(f"/prototypes/{prototype.pk}/results.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    kinds = [row[0] for row in rows[1:]]
    assert sorted(kinds) == ["comparison", "pin", "rating", "rating"]
    pin_row = next(row for row in rows if row[0] == "pin")
    assert pin_row[5] == "'=HYPERLINK(evil)" and (pin_row[7], pin_row[8]) == ("0.3000", "0.6000")


def test_results_csv_quotes_every_cell_a_spreadsheet_would_run(client, alice, rita):
    """Variant and segment names are text too: before, only answers and pins were quoted."""
    from ..factories import SegmentFactory

    prototype = make_prototype(variants=("=cmd|' /C calc'!A0", "Plain"))
    alice.segments.add(SegmentFactory(name="@evil"))
    variant = prototype.variants.get(name__startswith="=")
    services.rating_save(member=alice, version=variant.current_version, score=4, would_use=True)
    client.force_login(rita)
    response = client.get(f"/prototypes/{prototype.pk}/results.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    rating = next(row for row in rows if row[0] == "rating")
    assert rating[1] == "'=cmd|' /C calc'!A0" and rating[4] == "'@evil" and rating[5] == "4"


def test_bundle_files_are_served_sandboxed_with_a_strict_csp(client, alice):
    by = publisher()
    prototype = make_prototype(by=by, variants=(), publish=False)
    services.variant_add(
        prototype=prototype, by=by, name="Live", kind=Variant.Kind.BUNDLE,
        bundle_file=zip_upload({"index.html": "<p>hi</p>", "app.js": "1;"}),
    )  # fmt: skip
    services.prototype_publish(prototype=prototype, by=by)
    version = prototype.variants.get().current_version
    client.force_login(alice)
    page = client.get(prototype.get_absolute_url()).content.decode()
    assert f'src="/prototypes/bundles/{version.pk}/index.html" sandbox="allow-scripts"' in page
    assert "allow-same-origin" not in page
    response = client.get(f"/prototypes/bundles/{version.pk}/index.html")
    assert response.status_code == 200 and response.content == b"<p>hi</p>"
    csp = response["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'; script-src 'self' 'unsafe-inline'")
    assert "sandbox allow-scripts" in csp and "allow-same-origin" not in csp
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "Set-Cookie" not in response
    assert client.get(f"/prototypes/bundles/{version.pk}/app.js")["Content-Type"].startswith(
        "text/javascript"
    )
    assert client.get(f"/prototypes/bundles/{version.pk}/../index.html").status_code == 404
    assert client.get(f"/prototypes/bundles/{version.pk}/missing.html").status_code == 404


def test_rnd_creates_adds_variants_and_publishes_through_pages(client, rita):
    client.force_login(rita)
    response = client.post("/prototypes/new/", {"title": "Night mode", "stage": "alpha", "beta_seats": "10"})
    assert response.status_code == 302
    pk = int(response["Location"].split("/")[2])
    manage = f"/prototypes/{pk}/"
    response = client.post(
        f"{manage}variants/",
        {"name": "Dark", "kind": "screens", "screen_files": [png_upload(), png_upload("b.png")]},
    )
    assert response.status_code == 302
    assert Variant.objects.get(prototype_id=pk).current_version.screens.count() == 2
    response = client.post(
        f"{manage}variants/",
        {"name": "Broken", "kind": "bundle", "bundle_file": zip_upload({"../x.html": "x"})},
    )
    assert response.status_code == 400 and "points outside the bundle" in response.content.decode()
    variant = Variant.objects.get(prototype_id=pk)
    assert (
        client.post(
            f"/prototypes/variants/{variant.pk}/versions/", {"screen_files": [png_upload()]}
        ).status_code
        == 302
    )
    assert variant.versions.count() == 2
    client.post(f"{manage}questions/", {"text": "Would you pay?", "kind": "choice", "choices": "Yes\nNo"})
    client.post(f"{manage}publish/")
    assert client.get("/prototypes/").content.count(b"Night mode") == 1
