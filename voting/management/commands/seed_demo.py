"""Fill the database with a believable community: segments, products, members, ideas, votes, comments.

Bulk writes throughout (COPY on PostgreSQL for votes), counters and scores recomputed at the end, so
`--ideas 100000 --votes 1000000` finishes in minutes. Progress bars go to stderr.
"""

import random
from datetime import UTC, datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from taggit.models import Tag
from tqdm import tqdm

from community import demo
from community.models import Member, Segment, SegmentMembership
from community.roles import Role
from community.services import managed_segments_set, role_grant
from community.totp import totp_activate
from ideas.markdown import render_markdown
from ideas.models import Comment, Idea, StatusChange
from ideas.ranking import EPOCH_SECONDS, HOT_DECAY_SECONDS, WILSON_Z, hot_score, top_score
from products.models import Product
from voting.models import Vote

DEMO_PASSWORD = "cocreate-demo"  # noqa: S105 - printed for the demo, documented in README
# The demo's log-ins, one per role (README); staff get a TOTP authenticator: `manage.py demo_totp EMAIL`.
DEMO_ACCOUNTS = [
    ("demo@example.com", "Demo Customer", Role.CUSTOMER),
    ("rd@example.com", "R&D Lead", Role.RND),
    ("manager@example.com", "Casey Customer Manager", Role.CUSTOMER_MANAGER),
    ("moderator@example.com", "Morgan Moderator", Role.MODERATOR),
    ("admin@example.com", "Ada Administrator", Role.ADMINISTRATOR),
]
BATCH = 5000


class Command(BaseCommand):
    help = "Seed demo data: segments, products, members, ideas, votes and comments."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=300)
        parser.add_argument("--ideas", type=int, default=400)
        parser.add_argument("--votes", type=int, default=6000)
        parser.add_argument("--comments", type=int, default=1200)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when ideas already exist.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if options["if_empty"] and Idea.objects.exists():
            self.stdout.write("Ideas already exist; leaving the data as it is.")
            return
        for name in ("members", "ideas", "votes", "comments"):
            if options[name] < 0:
                raise CommandError(f"--{name} cannot be negative.")
        if options["members"] < 1 and (options["votes"] or options["comments"] or options["ideas"]):
            raise CommandError("--members must be at least 1 to author ideas, votes and comments.")
        max_votes = options["members"] * options["ideas"]
        if options["votes"] > max_votes:
            raise CommandError(
                f"{options['votes']} votes need more members × ideas (one vote per member per idea; "
                f"{options['members']} × {options['ideas']} = {max_votes})."
            )
        self.rng = random.Random(options["seed"])
        self.progress = not options["no_progress"]
        segments, products = self.seed_catalogue()
        members = self.seed_members(options["members"], segments)
        ideas = self.seed_ideas(options["ideas"], members, segments, products)
        self.seed_votes(options["votes"], members, ideas)
        self.seed_comments(options["comments"], members, ideas)
        self.seed_official_responses(ideas)
        self.refresh_counters_and_scores()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {len(members)} members, {len(ideas)} ideas, {options['votes']} votes, "
                f"{options['comments']} comments. Log in with password {DEMO_PASSWORD} as "
                + ", ".join(f"{email} ({role.label})" for email, _name, role in DEMO_ACCOUNTS)
                + ". Staff two-factor codes: DEBUG=1 manage.py demo_totp EMAIL."
            )
        )

    def bar(self, total, desc):
        return tqdm(
            total=total, desc=desc, unit="rows", disable=not self.progress, leave=True, mininterval=0.5
        )

    def seed_catalogue(self):
        segments = []
        for name, size, margin, retention, discount, description in demo.SEGMENTS:
            segment, _ = Segment.objects.get_or_create(
                slug=name.lower().replace(" ", "-"),
                defaults={
                    "name": name,
                    "market_size": size,
                    "margin_per_period": margin,
                    "retention_rate": retention,
                    "discount_rate": discount,
                    "description": description,
                },
            )
            segments.append(segment)
        products = [
            Product.objects.get_or_create(
                slug=name.lower().replace(" ", "-"), defaults={"name": name, "team": team}
            )[0]
            for name, team in demo.PRODUCTS
        ]
        return segments, products

    def seed_members(self, count, segments):
        password = make_password(DEMO_PASSWORD)  # hashed once, shared: hashing is the slow part
        start = Member.objects.count()
        fixed = DEMO_ACCOUNTS
        rows, roles = [], {}
        for email, name, role in fixed:
            if not Member.objects.filter(email=email).exists():
                # Established and trusted, so whoever tries the demo meets no newcomer limits (images,
                # links, posts per day); a new sign-up shows those.
                rows.append(
                    Member(
                        username=email.split("@")[0], email=email, display_name=name, password=password,
                        date_joined=timezone.now() - timedelta(days=400), trust_level=3, trust_locked=True,
                    )
                )  # fmt: skip
                roles[email] = role
        for i in range(max(count - len(rows), 0)):
            n = start + i
            rows.append(
                Member(
                    username=f"member{n:06d}",
                    email=f"member{n:06d}@example.com",
                    password=password,
                    display_name=f"{self.rng.choice(demo.FIRST_NAMES)} {self.rng.choice(demo.LAST_INITIALS)}",
                    email_verified=True,
                    # Members of a running community: joined over the last two years, at trust level
                    # "member" (moderation.trust); `refresh_trust` recomputes it from their activity.
                    date_joined=timezone.now() - timedelta(days=self.rng.randint(30, 730)),
                    trust_level=2,
                )
            )
        with self.bar(len(rows), "members") as bar, transaction.atomic():
            for offset in range(0, len(rows), BATCH):
                chunk = rows[offset : offset + BATCH]
                Member.objects.bulk_create(chunk, batch_size=BATCH)
                bar.update(len(chunk))
        emails = [row.email for row in rows]
        members = list(Member.objects.filter(email__in=emails).only("id", "email"))
        Member.objects.filter(email__in=emails).update(email_verified=True)
        for member in Member.objects.filter(email__in=roles):
            if roles[member.email] != Role.CUSTOMER:
                role_grant(member=member, role=roles[member.email], granted_by=None)
                totp_activate(member=member)
            if roles[member.email] == Role.CUSTOMER_MANAGER:
                managed_segments_set(member=member, segments=segments[:2], assigned_by=None)
        with transaction.atomic():
            EmailAddress.objects.bulk_create(
                [EmailAddress(user_id=m.pk, email=m.email, verified=True, primary=True) for m in members],
                batch_size=BATCH,
                ignore_conflicts=True,
            )
            SegmentMembership.objects.bulk_create(
                [SegmentMembership(member_id=m.pk, segment=self.rng.choice(segments)) for m in members],
                batch_size=BATCH,
                ignore_conflicts=True,
            )
        return [m.pk for m in members] or list(Member.objects.values_list("pk", flat=True)[:1])

    def seed_ideas(self, count, members, segments, products):
        now = timezone.now()
        tags = {name: Tag.objects.get_or_create(name=name, defaults={"slug": name})[0] for name in demo.TAGS}
        offset = Idea.objects.count()
        rows, idea_tags = [], []
        self.posted_at = []  # per idea, in the order of the ids returned
        for i in range(count):
            n = offset + i
            if n < len(demo.HANDWRITTEN_IDEAS):
                title, tag_names, body = demo.HANDWRITTEN_IDEAS[n]
                product = self.rng.choice(products) if self.rng.random() < 0.7 else None
            else:
                title, body, tag_names, product_index = demo.generated_idea(n - len(demo.HANDWRITTEN_IDEAS))
                product = products[product_index]
            names = [t.strip() for t in tag_names.split(",")]
            created = now - timedelta(seconds=self.rng.randint(0, 180 * 86400))
            self.posted_at.append(created)
            rows.append(
                Idea(
                    title=title,
                    body=body,
                    body_html=render_markdown(body),
                    author_id=self.rng.choice(members),
                    segment=self.rng.choice(segments) if self.rng.random() < 0.8 else None,
                    product=product,
                    status=self.rng.choices(Idea.Status.values[:6], weights=[60, 15, 10, 6, 5, 4])[0],
                    created_at=created,
                    last_activity_at=created,
                )
            )
            idea_tags.append(names)
        ids = []
        with self.bar(len(rows), "ideas") as bar, transaction.atomic():
            for start in range(0, len(rows), BATCH):
                chunk = Idea.objects.bulk_create(rows[start : start + BATCH])
                ids.extend(idea.pk for idea in chunk)
                bar.update(len(chunk))
            through = Idea.tags.through
            links = [
                through(object_id=pk, tag=tags[name], content_type_id=self._idea_content_type())
                for pk, names in zip(ids, idea_tags, strict=True)
                for name in names
                if name in tags
            ]
            through.objects.bulk_create(links, batch_size=BATCH)
        return ids

    def _idea_content_type(self):
        if not hasattr(self, "_ct"):
            self._ct = ContentType.objects.get_for_model(Idea).pk
        return self._ct

    def seed_votes(self, count, members, ideas):
        if not count or not ideas:
            return
        # Popularity follows a long tail: a few ideas collect most of the votes.
        weights = [1 / (rank + 10) ** 0.9 for rank in range(len(ideas))]
        shuffled = ideas[:]
        self.rng.shuffle(shuffled)
        cum, total = [], 0.0
        for w in weights:
            total += w
            cum.append(total)
        per_member = max(1, count // len(members))
        remaining = count
        now = timezone.now()
        with self.bar(count, "votes") as bar, transaction.atomic():
            writer = self._vote_writer()
            for index, member in enumerate(members):
                if remaining <= 0:
                    break
                left_members = len(members) - index
                want = min(remaining, max(per_member, -(-remaining // left_members)), len(ideas))
                chosen = set(self.rng.choices(shuffled, cum_weights=cum, k=want))
                while len(chosen) < want:
                    chosen.add(self.rng.choice(shuffled))
                rows = [(member, idea, 1 if self.rng.random() < 0.93 else -1, now) for idea in chosen]
                writer(rows)
                remaining -= len(rows)
                bar.update(len(rows))
            writer(None)

    def _vote_writer(self):
        """A function taking lists of (member, idea, value, created_at); None flushes."""
        if connection.vendor == "postgresql":
            cursor = connection.cursor()
            table = Vote._meta.db_table

            def write(rows):
                if rows:
                    with cursor.copy(
                        f"COPY {table} (member_id, idea_id, value, created_at) FROM STDIN"
                    ) as copy:
                        for row in rows:
                            copy.write_row(row)

            return write
        pending = []

        def write(rows):
            if rows:
                pending.extend(Vote(member_id=m, idea_id=i, value=v, created_at=t) for m, i, v, t in rows)
            if len(pending) >= BATCH or (rows is None and pending):
                Vote.objects.bulk_create(pending, batch_size=BATCH)
                pending.clear()

        return write

    def seed_comments(self, count, members, ideas):
        """Discussions on the first 2,000 ideas: first comments from demo.THREADS and, under about a
        third of them, a reply that answers that comment; dated between the idea and now."""
        if not count or not ideas:
            return
        discussed = ideas[:2000]
        posted = dict(zip(ideas, self.posted_at, strict=False))
        now = timezone.now()
        rows, threads, dates = [], [], []
        for _ in range(count):
            thread = self.rng.randrange(len(demo.THREADS))
            idea = self.rng.choice(discussed)
            body = demo.THREADS[thread][0]
            rows.append(
                Comment(
                    idea_id=idea,
                    author_id=self.rng.choice(members),
                    body=body,
                    body_html=render_markdown(body),
                )
            )
            threads.append(thread)
            dates.append(posted[idea] + (now - posted[idea]) * self.rng.uniform(0.05, 0.6))
        with self.bar(count, "comments") as bar, transaction.atomic():
            for start in range(0, len(rows), BATCH):
                chunk = Comment.objects.bulk_create(rows[start : start + BATCH])
                bar.update(len(chunk))
            replies = []
            for index in sorted(self.rng.sample(range(len(rows)), k=count // 3)):
                parent, answers = rows[index], demo.THREADS[threads[index]][1]
                body = self.rng.choice(answers)
                replies.append(
                    Comment(
                        idea_id=parent.idea_id,
                        parent_id=parent.pk,
                        author_id=self.rng.choice(
                            [m for m in members[:50] if m != parent.author_id] or members
                        ),
                        body=body,
                        body_html=render_markdown(body),
                    )
                )
                dates.append(dates[index] + (now - dates[index]) * self.rng.uniform(0.1, 0.9))
            Comment.objects.bulk_create(replies, batch_size=BATCH)
            rows += replies
            # bulk_create stamps auto_now_add fields with the present; give the comments their own
            # dates (one UPDATE per batch). Past the demo's size (the bench's 50,000) dates matter to no
            # one and would slow the seeding, so they stay as they are.
            if len(rows) <= 20_000:
                for comment, date in zip(rows, dates, strict=True):
                    comment.created_at = date
                Comment.objects.bulk_update(rows, ["created_at"], batch_size=1000)

    def seed_official_responses(self, ideas):
        """For every idea of the first 2,000 past "new": the status change that took it there and the
        team's official comment explaining it (demo.OFFICIAL_RESPONSES), by the R&D lead."""
        author = Member.objects.filter(email="rd@example.com").values_list("pk", flat=True).first()
        if author is None or not ideas:
            return
        first = ideas[:2000]
        posted = dict(zip(ideas, self.posted_at, strict=False))
        statuses = dict(Idea.objects.filter(pk__in=first).exclude(status="new").values_list("pk", "status"))
        now = timezone.now()
        changes, comments, dates = [], [], []
        for idea in first:
            status = statuses.get(idea)
            if status not in demo.OFFICIAL_RESPONSES:
                continue
            when = posted[idea] + (now - posted[idea]) * self.rng.uniform(0.3, 0.95)
            changes.append(
                StatusChange(
                    idea_id=idea,
                    from_status="new",
                    to_status=status,
                    note=demo.OFFICIAL_RESPONSES[status],
                    changed_by_id=author,
                )
            )
            dates.append(when)
            body = demo.OFFICIAL_RESPONSES[status]
            comments.append(
                Comment(
                    idea_id=idea,
                    author_id=author,
                    body=body,
                    body_html=render_markdown(body),
                    is_official=True,
                )
            )
        with transaction.atomic():
            StatusChange.objects.bulk_create(changes, batch_size=BATCH)
            Comment.objects.bulk_create(comments, batch_size=BATCH)
            # Their dates, as for the comments (auto_now_add); at most 4,000 rows.
            for change, comment, date in zip(changes, comments, dates, strict=True):
                change.created_at = comment.created_at = date
            StatusChange.objects.bulk_update(changes, ["created_at"], batch_size=1000)
            Comment.objects.bulk_update(comments, ["created_at"], batch_size=1000)

    def refresh_counters_and_scores(self):
        def count_of(model, **filters):
            return Coalesce(
                Subquery(
                    model.objects.filter(idea=OuterRef("pk"), **filters)
                    .order_by()
                    .values("idea")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            )

        with transaction.atomic():
            Idea.objects.update(
                upvote_count=count_of(Vote, value=1) + F("retired_upvotes"),
                downvote_count=count_of(Vote, value=-1) + F("retired_downvotes"),
                comment_count=count_of(Comment, visibility="public"),
            )
        total = Idea.objects.count()
        with self.bar(total, "scores") as bar, transaction.atomic():
            refresh_scores_in_sql()
            bar.update(total)


def refresh_scores_in_sql() -> None:
    """Every idea's hot and top score in one UPDATE: the formulas of ideas.ranking, written in SQL.

    Python + bulk_update took minutes for 100k ideas. PostgreSQL computes them itself (equal to
    ideas.ranking up to the last rounded digit); SQLite calls ideas.ranking through registered functions.
    """
    if connection.vendor == "postgresql":
        net = "(upvote_count - downvote_count)"
        n = "(upvote_count + downvote_count)::float8"
        p = f"(upvote_count / {n})"
        z = "%(z)s::float8"
        wilson = (
            f"(({p} + {z} * {z} / (2 * {n})) - {z} * SQRT(({p} * (1 - {p}) + {z} * {z} / (4 * {n})) / {n}))"
            f" / (1 + {z} * {z} / {n})"
        )
        sql = f"""
            UPDATE ideas_idea SET
              hot_score = ROUND((
                  SIGN({net}) * LOG(GREATEST(ABS({net}), 1)::float8)
                  + (EXTRACT(EPOCH FROM created_at)::float8 - %(epoch)s) / %(decay)s
              )::numeric, 7),
              top_score = CASE WHEN upvote_count + downvote_count = 0 THEN 0
                               ELSE ROUND(({wilson})::numeric, 9) END
        """  # noqa: S608 - our own column expressions; the values are parameters
        params = {"epoch": EPOCH_SECONDS, "decay": HOT_DECAY_SECONDS, "z": WILSON_Z}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    connection.ensure_connection()
    sqlite = connection.connection
    sqlite.create_function("cocreate_hot_score", 3, _hot_score_sqlite, deterministic=True)
    sqlite.create_function("cocreate_top_score", 2, _top_score_sqlite, deterministic=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ideas_idea SET hot_score = cocreate_hot_score(upvote_count, downvote_count, created_at), "
            "top_score = cocreate_top_score(upvote_count, downvote_count)"
        )


def _hot_score_sqlite(upvotes: int, downvotes: int, created_at: str) -> float:
    posted_at = datetime.fromisoformat(created_at).replace(tzinfo=UTC)  # stored as UTC text
    return hot_score(upvotes=upvotes, downvotes=downvotes, posted_at=posted_at)


def _top_score_sqlite(upvotes: int, downvotes: int) -> float:
    return top_score(upvotes=upvotes, downvotes=downvotes)
