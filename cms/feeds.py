"""Atom feeds of the public roadmap and the changelog, served by their pages (RoutablePageMixin)."""

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.rich_text import expand_db_html

FEED_ENTRIES = 50


class PageFeed(Feed):
    """An Atom feed served by a page (its `feed/` route): titled and linked as the page."""

    feed_type = Atom1Feed

    def get_object(self, request, *, page):
        self.request = request
        return page

    def title(self, page):
        return page.title

    def link(self, page):
        return page.url


class RoadmapFeed(PageFeed):
    """One entry per card and column: a card moving on to the next column is a new entry."""

    def subtitle(self, page):
        return _("What is planned, in progress and shipped.")

    def items(self, page):
        cards = page.roadmap(self.request)["cards"]
        self.page = page
        return sorted(cards, key=lambda card: card.moved_at, reverse=True)[:FEED_ENTRIES]

    def item_title(self, card):
        return f"{card.column_label}: {card.title}"

    def item_description(self, card):
        lines = [card.summary] if card.summary else []
        lines += [
            ngettext("%(title)s (%(n)d supporter)", "%(title)s (%(n)d supporters)", idea.upvote_count)
            % {"title": idea.title, "n": idea.upvote_count}
            for idea in card.ideas
        ]
        return "\n".join(lines)

    def item_link(self, card):
        if card.idea is not None:
            return card.idea.get_absolute_url()
        return f"{self.page.url}#{card.key}"

    def item_guid(self, card):
        return f"{self.page.full_url}#{card.key}-{card.column}"

    item_guid_is_permalink = False

    def item_pubdate(self, card):
        return card.moved_at

    def item_updateddate(self, card):
        return card.moved_at


class ChangelogFeed(PageFeed):
    def subtitle(self, page):
        return _("Release notes")

    def items(self, page):
        return page.releases()[:FEED_ENTRIES]

    def item_title(self, release):
        return f"{release.version} — {release.title}"

    def item_description(self, release):
        return release.summary or expand_db_html(release.body)

    def item_link(self, release):
        return release.url

    def item_pubdate(self, release):
        return release.first_published_at

    def item_updateddate(self, release):
        return release.last_published_at
