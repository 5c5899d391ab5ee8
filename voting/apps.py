from django.apps import AppConfig

from ideas import votes as idea_votes


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = "Voting"

    def ready(self):
        # Django's place for registering with other apps: the module needs the app registry ready.
        from .idea_votes import IdeaVotes

        idea_votes.register(IdeaVotes())
