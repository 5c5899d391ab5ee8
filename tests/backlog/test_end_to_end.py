"""Import a CRM file (one bad row first), triage ideas into backlog items, read the ranked backlog.

The numbers, by hand (segments from conftest: Pros CLV 266.67 of a 10 000 market; Casual CLV 50 given, of
a 100 000 market):
- CRM: p1 in Pros at CLV 1 000; c1 in Casual with margin 20, retention 0.5 and Casual's discount rate 0.1:
  20 × 0.5 / (1 + 0.1 − 0.5) = 10 / 0.6 = 16.67. p2 (Pros) and c2…c5 (Casual) have no record: segment CLV.
- Members per segment: Pros 2 (p1, p2), Casual 5 (c1…c5).
- Item A = ideas 1, 2, 3; supporters p1 (of ideas 1 and 2: once), c1, c2, c3
  equity 1 000 + 16.67 + 50 + 50 = 1 116.67
  extrapolated: Pros 1/2 × 10 000 × 266.67 = 1 333 350; Casual 3/5 × 100 000 × 50 = 3 000 000 → 4 333 350
  score (impact 2, confidence 0.8, effort 1): 4 333 350 × 2 × 0.8 = 6 933 360
- Item B = idea 4; supporters p2, c2, c3, c4, c5: equity 266.67 + 4 × 50 = 466.67
  extrapolated: 1 333 350 + 4/5 × 100 000 × 50 = 5 333 350; score (impact 1): 5 333 350 × 0.8 = 4 266 680
By equity and by score A ranks first; by supporters B (5 against 4).
"""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backlog.models import BacklogItem, CustomerRecord, TriageAction
from tests.factories import MemberFactory, make_idea
from voting.services import vote_cast

pytestmark = pytest.mark.django_db

HEADER = "email,external_id,segment,margin,retention,clv\n"


def test_import_triage_and_rank_by_customer_equity(client, segments, product, carl, rita):
    pros, casual = segments
    pros.managers.add(carl)
    casual.managers.add(carl)
    p1, p2 = MemberFactory(username="p1"), MemberFactory(username="p2")
    c1, c2, c3, c4, c5 = (MemberFactory(username=f"c{n}") for n in range(1, 6))
    p2.segments.add(pros)
    for member in (c2, c3, c4, c5):
        member.segments.add(casual)

    # 1. The customer manager uploads the CRM file; row 3 has a retention of 1.5: refused, nothing imported.
    client.force_login(carl)
    bad = HEADER + "p1@example.com,CRM-1,pros,,,1000\nc1@example.com,CRM-2,casual,20,1.5,\n"
    response = client.post("/customers/import/", {"file": SimpleUploadedFile("crm.csv", bad.encode())})
    assert response.status_code == 400
    page = response.content.decode()
    assert "1 row is invalid; nothing was imported" in page
    assert (
        '<td class="num">3</td><td>retention must be below 1 (got 1.5 — a share, e.g. 0.85 for 85 %)' in page
    )
    assert not CustomerRecord.objects.exists()

    # 2. Fixed, checked (dry run), confirmed.
    good = HEADER + "p1@example.com,CRM-1,pros,,,1000\nc1@example.com,CRM-2,casual,20,0.5,\n"
    response = client.post("/customers/import/", {"file": SimpleUploadedFile("crm.csv", good.encode())})
    assert response.status_code == 200 and not CustomerRecord.objects.exists()
    response = client.post("/customers/import/", {"csv_text": good, "source": "crm.csv", "confirm": "on"})
    assert "2 customer records created" in response.content.decode()
    assert CustomerRecord.objects.get(member=c1).clv == Decimal("16.67")
    assert list(p1.segments.all()) == [pros] and list(c1.segments.all()) == [casual]

    # 3. Members vote.
    ideas = [make_idea(title=f"Idea {n}") for n in range(1, 5)]
    for idea, voters in zip(ideas, [(p1, c1), (p1, c2), (c3,), (p2, c2, c3, c4, c5)], strict=True):
        for voter in voters:
            vote_cast(member=voter, idea_id=idea.pk)

    # 4. R&D triages three ideas into one new backlog item, the fourth into another.
    client.force_login(rita)
    response = client.post(
        "/triage/",
        {
            "ideas": [i.pk for i in ideas[:3]],
            "action": "create_item",
            "product": product.pk,
            "title": "Item A",
        },
    )
    assert response.status_code == 302
    item_a = BacklogItem.objects.get(title="Item A")
    assert set(item_a.ideas.all()) == set(ideas[:3])
    assert TriageAction.objects.filter(kind="create_item", backlog_item=item_a).count() == 3
    client.post(
        "/triage/",
        {"ideas": [ideas[3].pk], "action": "create_item", "product": product.pk, "title": "Item B"},
    )
    item_b = BacklogItem.objects.get(title="Item B")
    # New items are not estimated: no score until R&D gives the effort (here one person-week each).
    unestimated = json.loads(client.get("/backlog/export.json").content)["items"]
    assert [(i["effort"], i["score"]) for i in unestimated] == [(None, None), (None, None)]
    BacklogItem.objects.filter(pk__in=[item_a.pk, item_b.pk]).update(effort_estimate=Decimal("1"))
    BacklogItem.objects.filter(pk=item_a.pk).update(impact=Decimal("2"))
    assert "Nothing to triage" in client.get("/triage/").content.decode()

    # 5. The backlog, ranked by customer equity, by score and by supporters.
    export = json.loads(client.get("/backlog/export.json?order=equity").content)
    rows = [
        (i["title"], i["supporters"], i["customer_equity"], i["extrapolated_equity"], i["score"])
        for i in export["items"]
    ]
    assert rows == [
        ("Item A", 4, "1116.67", "4333350.00", "6933360.00"),
        ("Item B", 5, "466.67", "5333350.00", "4266680.00"),
    ]
    segments_a = {
        s["segment"]: (s["supporters"], s["share"], s["customer_equity"])
        for s in export["items"][0]["segments"]
    }
    assert segments_a == {"pros": (1, "0.5000", "1000.00"), "casual": (3, "0.6000", "116.67")}
    assert [i["title"] for i in json.loads(client.get("/backlog/export.json").content)["items"]] == [
        "Item A",
        "Item B",
    ]
    by_supporters = json.loads(client.get("/backlog/export.json?order=supporters").content)["items"]
    assert [i["title"] for i in by_supporters] == ["Item B", "Item A"]

    page = client.get("/backlog/?order=equity").content.decode()
    assert page.index("Item A") < page.index("Item B")
    assert "1,116.67" in page and "6,933,360.00" in page

    csv_lines = client.get("/backlog/export.csv?order=equity").content.decode().splitlines()
    assert csv_lines[0].startswith("rank,id,title,product,team,status")
    assert csv_lines[1].startswith(f"1,{item_a.pk},Item A,Camera,Imaging,candidate")
    assert ",1116.67," in csv_lines[1]

    # The item page shows the ideas, the supporters and the segments behind it.
    page = client.get(f"/backlog/items/{item_a.pk}/").content.decode()
    assert all(i.title in page for i in ideas[:3]) and "1,000.00" in page and "16.67" in page
    assert item_b.pk != item_a.pk
