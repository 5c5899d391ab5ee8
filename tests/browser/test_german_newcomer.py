"""A newcomer's first visit in German, with the keyboard only: switch the language, sign up, confirm the
address, post an idea, vote, comment and rate a prototype. On every page on the way, no English text
the site translates may be shown (visible text, labels, placeholders, titles, the tab's title).

The English the check looks for is every source string of the site's and allauth's catalogues that has
a German translation different from it; the check proves on the English page first that it finds them,
and on each German page that it finds the German ones, so it cannot pass by seeing nothing.
"""

import email
import email.policy
import re
import tempfile
from pathlib import Path

import allauth
import pytest
from django.test import override_settings
from playwright.sync_api import expect

from community.models import Member
from community.roles import Role
from ideas.models import Comment, Idea
from prototypes import services
from prototypes.models import Rating, Variant
from voting.models import Vote

from ..factories import MemberFactory, make_idea, with_role, with_totp
from ..prototypes.helpers import ensure_roles, png_upload
from ..test_translations import LOCALE, read_po
from .live import BrowserTestCase

pytestmark = pytest.mark.browser

PASSWORD = "lantern-meadow-copper-7"
PLACEHOLDER = re.compile(r"%\(\w+\)\w|%\w|\{\w*\}|<[^>]+>|&\w+;")

# Everything a person can read on the page: rendered text nodes, the names and hints assistive
# technology reads, and the document's title.
READABLE = """() => {
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.trim();
    if (!text || !element || element.closest("script, style, template")) continue;
    if (!element.getClientRects().length) continue;  // not rendered (hidden, closed <details>, ...)
    out.push(text);
  }
  for (const element of document.querySelectorAll("[aria-label], [placeholder], [title], img[alt]")) {
    for (const name of ["aria-label", "placeholder", "title", "alt"]) {
      const value = element.getAttribute(name);
      if (value) out.push(value);
    }
  }
  return out;
}"""


def phrases(catalogue: Path, *, german: bool) -> set[str]:
    """The fixed parts of the translated strings (placeholders and markup cut out), in English or in
    German: phrases of two words or more, or single words of six letters or more."""
    found = set()
    for entry in read_po(catalogue):
        translations = [t for t in entry.msgstr.values() if t]
        if not translations:
            continue
        sources = [entry.msgid] + ([entry.plural] if entry.plural else [])
        texts = translations if german else sources
        for text in texts:
            for part in PLACEHOLDER.split(text):
                part = part.strip(" .,:;!?()“”„«»\"'…—–-·\n")
                words = re.findall(r"[^\W\d_]+", part)
                if len(words) >= 2 or (len(words) == 1 and len(words[0]) >= 6):
                    found.add(part)
    return found


def english_and_german():
    catalogues = [
        LOCALE / "de" / "LC_MESSAGES" / "django.po",
        Path(allauth.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.po",
    ]
    english = set().union(*(phrases(c, german=False) for c in catalogues))
    german = set().union(*(phrases(c, german=True) for c in catalogues))
    # A phrase that reads the same in both languages ("Backlog", "Segment", "Prototyp…") says nothing.
    return english - german, german - english


def pattern(words: set[str]) -> re.Pattern:
    alternatives = sorted(words, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, alternatives)) + r")(?!\w)")


ENGLISH, GERMAN = (pattern(words) for words in english_and_german())
URL = re.compile(r"https?://\S+")


def english_in(texts) -> list[str]:
    return sorted({m.group(0) for text in texts for m in ENGLISH.finditer(URL.sub(" ", text))})


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="cocreate-german-media-"))
class GermanNewcomerTest(BrowserTestCase):
    def readable(self, page) -> list[str]:
        return page.evaluate(READABLE)

    def assert_german(self, page):
        """No English the site translates is readable on this page, and its German is."""
        readable = self.readable(page)
        assert english_in(readable) == [], f"English on {page.url}"
        german = {m.group(0) for text in readable for m in GERMAN.finditer(text)}
        assert len(german) >= 3, f"too little German found on {page.url}: {german}"
        assert page.evaluate("document.documentElement.lang") == "de"

    def tab_to(self, page, locator, *, limit=250):
        """Press Tab until `locator` has the focus: what the walk-through uses is reachable by keyboard."""
        target = locator.element_handle()
        for _ in range(limit):
            if page.evaluate("(element) => document.activeElement === element", target):
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reaches {locator}")

    def type_into(self, page, locator, text):
        self.tab_to(page, locator)
        page.keyboard.type(text)

    def press_enter_on(self, page, locator):
        self.tab_to(page, locator)
        with page.expect_navigation():
            page.keyboard.press("Enter")

    def world(self):
        ensure_roles()
        make_idea(author=MemberFactory(display_name="Ute"), title="Akku-Sparmodus für lange Reisen")
        rnd = with_totp(with_role(MemberFactory(username="rita", email="rita@example.com"), Role.RND))
        prototype = services.prototype_create(created_by=rnd, title="Taschenkamera", beta_seats=0)
        services.variant_add(
            prototype=prototype, by=rnd, name="Klassisch", kind=Variant.Kind.SCREENS,
            screen_files=[png_upload(size=(400, 300))],
        )  # fmt: skip
        services.prototype_publish(prototype=prototype, by=rnd)
        return prototype

    def test_a_newcomer_walks_through_in_german_with_the_keyboard_only(self):
        prototype = self.world()
        page = self.new_page()
        page.goto("/ideas/")

        # The check finds English where there is English: it cannot pass by seeing nothing.
        english_here = english_in(self.readable(page))
        assert len(english_here) >= 5, english_here

        # The language switcher, from the keyboard: choose "Deutsch", then the button.
        self.tab_to(page, page.locator("#language-switcher-select"))
        page.keyboard.type("Deutsch")
        assert page.locator("#language-switcher-select").input_value() == "de"
        self.press_enter_on(page, page.locator(".language-switcher button"))
        self.assert_german(page)

        # Sign up.
        self.press_enter_on(page, page.get_by_role("link", name="Registrieren"))
        self.assert_german(page)
        self.type_into(page, page.get_by_role("textbox", name="E-Mail"), "nina@example.com")
        self.type_into(page, page.get_by_label("Anzeigename"), "Nina Neu")
        self.type_into(page, page.locator('input[name="password1"]'), PASSWORD)
        self.type_into(page, page.locator('input[name="password2"]'), PASSWORD)
        self.press_enter_on(page, page.get_by_role("button", name="Registrieren"))
        self.assert_german(page)
        nina = Member.objects.get(email="nina@example.com")
        assert nina.language == "de"  # her email follows the language she signed up in

        # Confirm the address from the German mail.
        (mail,) = self.mails_to("nina@example.com")
        message = email.message_from_string(mail, policy=email.policy.default)
        assert "Bitte bestätige" in message["Subject"]  # allauth's German
        body = message.get_body(("plain",)).get_content()
        assert english_in([body]) == []
        page.goto(re.search(r"http://[^\s]+/accounts/confirm-email/[^\s]+/", body).group(0))
        self.assert_german(page)
        self.press_enter_on(page, page.get_by_role("button", name="Bestätigen"))
        self.assert_german(page)

        # Post an idea.
        self.press_enter_on(page, page.get_by_role("link", name="Idee posten").first)
        self.assert_german(page)
        self.type_into(page, page.get_by_label("Titel"), "Dunkler Modus für die Kamera-App")
        self.type_into(page, page.get_by_label("Beschreibung"), "Nachts blendet die helle Oberfläche.")
        self.press_enter_on(page, page.get_by_role("button", name="Idee posten"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Dunkler Modus für die Kamera-App")
        self.assert_german(page)
        assert Idea.objects.filter(author=nina).count() == 1

        # Vote for another member's idea, and comment on it.
        self.press_enter_on(page, page.get_by_role("link", name="Ideen", exact=True).first)
        self.press_enter_on(page, page.get_by_role("link", name="Akku-Sparmodus für lange Reisen"))
        self.assert_german(page)
        self.tab_to(page, page.get_by_role("button", name="Abstimmen"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("button", name="Abgestimmt")).to_be_visible()
        assert Vote.objects.filter(member=nina).count() == 1
        self.assert_german(page)
        self.type_into(page, page.get_by_label("Ihr Kommentar"), "Unbedingt, auch für den Zug.")
        self.press_enter_on(page, page.get_by_role("button", name="Kommentar posten"))
        expect(page.get_by_text("Unbedingt, auch für den Zug.")).to_be_visible()
        self.assert_german(page)
        assert Comment.objects.filter(author=nina).count() == 1

        # Try a prototype: rate its variant with the arrow keys.
        self.press_enter_on(page, page.get_by_role("link", name="Prototypen").first)
        self.assert_german(page)
        self.press_enter_on(page, page.get_by_role("link", name="Taschenkamera"))
        self.assert_german(page)
        self.tab_to(page, page.get_by_role("radio", name="1", exact=True))
        for _ in range(3):
            page.keyboard.press("ArrowRight")  # 1 → 4
        self.tab_to(page, page.get_by_role("radio", name="Ja"))
        page.keyboard.press("Space")
        self.press_enter_on(page, page.get_by_role("button", name="Klassisch bewerten"))
        self.assert_german(page)
        rating = Rating.objects.get(member=nina)
        assert (rating.score, rating.would_use, rating.version.variant.prototype) == (4, True, prototype)
        assert page.js_errors == [], page.js_errors
