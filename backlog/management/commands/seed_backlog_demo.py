"""manage.py seed_backlog_demo: a few backlog items from the demo ideas, for trying the backlog pages."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from backlog.models import BacklogItem, PriorityWeights
from community.models import Member
from ideas.models import Idea
from products.models import Product


class Command(BaseCommand):
    help = "Create demo backlog items from existing ideas (run after seed_demo). Does nothing if items exist."

    @transaction.atomic
    def handle(self, *args, **options):
        if BacklogItem.objects.exists():
            self.stdout.write("Backlog items exist already; nothing to do.")
            return
        creator = Member.objects.filter(is_staff=True).order_by("pk").first()
        if creator is None:
            raise CommandError("No staff member yet: run seed_demo first.")
        product, _ = Product.objects.get_or_create(
            slug="demo-app", defaults={"name": "Demo app", "team": "Mobile"}
        )
        ideas = list(Idea.objects.listed().order_by("-upvote_count", "-pk")[:6])
        PriorityWeights.load()
        for n, idea in enumerate(ideas[::2]):
            item = BacklogItem.objects.create(
                product=idea.product or product,
                title=idea.title,
                status=[BacklogItem.Status.PLANNED, BacklogItem.Status.CANDIDATE][n % 2],
                created_by=creator,
            )
            item.ideas.add(*ideas[2 * n : 2 * n + 2])
        self.stdout.write(self.style.SUCCESS(f"Created {BacklogItem.objects.count()} backlog items."))
