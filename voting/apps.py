from datetime import timedelta

from django.apps import AppConfig

from community import member_data
from ideas import votes as idea_votes
from operations import reconcile, schedule


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = "Voting"

    def ready(self):
        # Django's place for registering with other apps: these modules need the app registry ready.
        from . import reconciliation, tasks, windows
        from .idea_votes import IdeaVotes
        from .member_data import MEMBER_DATA

        idea_votes.register(IdeaVotes())
        member_data.register(self.label, MEMBER_DATA)
        # One sweep per window while ideas wait for it, however many votes and web processes.
        schedule.register(
            "voting.rescore_pending",
            every=timedelta(seconds=windows.WINDOW_SECONDS),
            task=tasks.rescore_pending,
            when=windows.has_pending,
        )
        schedule.register("voting.refresh_trending", every=timedelta(hours=1), task=tasks.refresh_trending)
        reconcile.register("vote counters", reconciliation.check_vote_counters)
        reconcile.register("ranking scores", reconciliation.check_ranking_scores)
