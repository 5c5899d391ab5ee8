from django.apps import AppConfig

from community import member_data
from ideas import votes as idea_votes


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = "Voting"

    def ready(self):
        # Django's place for registering with other apps: these modules need the app registry ready.
        from .idea_votes import IdeaVotes
        from .member_data import MEMBER_DATA

        idea_votes.register(IdeaVotes())
        member_data.register(self.label, MEMBER_DATA)
