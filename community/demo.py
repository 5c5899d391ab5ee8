"""Realistic demo content for `manage.py seed_demo`: segments, products and idea texts."""

from decimal import Decimal

SEGMENTS = [
    # name, market size, margin per period, retention, discount, description
    (
        "Mobile photographers",
        1_200_000,
        Decimal("38.00"),
        Decimal("0.82"),
        Decimal("0.10"),
        "Customers who buy our phones for the camera and share photos every day.",
    ),
    (
        "Business travellers",
        450_000,
        Decimal("64.00"),
        Decimal("0.88"),
        Decimal("0.10"),
        "Frequent flyers who need battery life, roaming and a calendar that keeps up.",
    ),
    (
        "Students",
        2_600_000,
        Decimal("12.00"),
        Decimal("0.65"),
        Decimal("0.10"),
        "Price-aware first-time buyers; loud on social media, loyal when won.",
    ),
    (
        "Mobile gamers",
        900_000,
        Decimal("29.00"),
        Decimal("0.74"),
        Decimal("0.10"),
        "Play daily; care about frame rates, thermals and controllers.",
    ),
    (
        "Seniors",
        700_000,
        Decimal("22.00"),
        Decimal("0.91"),
        Decimal("0.10"),
        "Value clarity, large text and help from family; rarely switch brands.",
    ),
]

PRODUCTS = [
    ("Camera app", "Imaging"),
    ("Battery and charging", "Power"),
    ("Messaging", "Communication apps"),
    ("Maps", "Location services"),
    ("Accessibility", "Core UX"),
]

HANDWRITTEN_IDEAS = [
    (
        "Night mode that works on moving subjects",
        "camera, low-light",
        "Night shots of my kids always come out blurred. Could night mode **detect motion** and use a "
        "shorter exposure on the moving parts?",
    ),
    (
        "Show remaining battery time, not just percent",
        "battery",
        "When I'm travelling I need to know whether the phone lasts until the hotel: *3 h 20 min left* "
        "is more useful than 41%.",
    ),
    (
        "Offline maps that update over Wi-Fi only",
        "maps, offline, roaming",
        "Roaming data is expensive. Let offline regions update automatically, but only on Wi-Fi.",
    ),
    (
        "Bigger text without breaking app layouts",
        "accessibility, text-size",
        "My mother sets the largest font and half the buttons disappear off the screen.",
    ),
    (
        "Pin a message in group chats",
        "messaging, groups",
        "In our class group the exam dates get buried within minutes. Pinning would fix that.",
    ),
    (
        "Game mode that blocks calls but not alarms",
        "gaming, notifications",
        "I want no interruptions while playing, but my morning alarm must still ring.",
    ),
    ("RAW + JPEG with one tap", "camera, raw", "Switching formats is three menus deep today."),
    (
        "Charge limit at 80% to protect the battery",
        "battery, health",
        "Most nights the phone sits on the charger for eight hours. Let me cap it at 80%.",
    ),
    (
        "Share live location for a limited time",
        "maps, privacy, safety",
        "Share my location with family for one hour, then stop automatically.",
    ),
    (
        "Simple home screen with six big tiles",
        "accessibility, seniors",
        "A mode with calls, messages, camera, photos, weather and help — nothing else.",
    ),
    ("Portrait mode for pets", "camera, portrait", "Edge detection fails on fur. Cats deserve bokeh too."),
    (
        "Low-latency mode for Bluetooth controllers",
        "gaming, bluetooth",
        "Input lag makes rhythm games unplayable with my controller.",
    ),
]

# Generated ideas: a feature of one product (FEATURES) in one of the ways customers ask for things
# (REQUESTS). 13 requests × 41 features (coprime) give 533 distinct ideas before a title repeats; the
# n-th idea steps through both at once, so neighbours differ in product, wording and topic.
# feature, product (index into PRODUCTS), tags
FEATURES = [
    ("portrait mode", 0, "camera, portrait"),
    ("the timer", 0, "camera"),
    ("burst shots", 0, "camera, performance"),
    ("the panorama mode", 0, "camera"),
    ("photo albums", 0, "camera, family"),
    ("the photo editor", 0, "camera, ui"),
    ("video stabilisation", 0, "camera, performance"),
    ("the QR code scanner", 0, "camera"),
    ("battery saver", 1, "battery"),
    ("wireless charging", 1, "battery"),
    ("the battery usage screen", 1, "battery, ui"),
    ("fast charging", 1, "battery, performance"),
    ("the low-battery warning", 1, "battery, notifications"),
    ("charging reminders", 1, "battery, notifications"),
    ("battery health reports", 1, "battery"),
    ("overnight charging", 1, "battery"),
    ("voice messages", 2, "messaging, audio"),
    ("group chats", 2, "messaging, family"),
    ("message search", 2, "messaging"),
    ("read receipts", 2, "messaging, privacy"),
    ("chat backups", 2, "messaging, privacy"),
    ("stickers and reactions", 2, "messaging, ui"),
    ("scheduled messages", 2, "messaging"),
    ("shared photos in chats", 2, "messaging, camera"),
    ("offline maps", 3, "maps, offline"),
    ("cycling directions", 3, "maps, travel"),
    ("saved places", 3, "maps"),
    ("public transport times", 3, "maps, travel"),
    ("parking reminders", 3, "maps, notifications"),
    ("the speed camera alerts", 3, "maps, notifications"),
    ("walking directions at night", 3, "maps, privacy"),
    ("trip sharing", 3, "maps, family, travel"),
    ("the screen reader", 4, "accessibility, audio"),
    ("large text", 4, "accessibility, ui"),
    ("voice control", 4, "accessibility, audio"),
    ("colour filters", 4, "accessibility, ui"),
    ("the magnifier", 4, "accessibility, camera"),
    ("hearing aid support", 4, "accessibility, audio"),
    ("simple mode", 4, "accessibility, family"),
    ("live captions", 4, "accessibility, audio"),
    ("the reduce-motion setting", 4, "accessibility, ui"),
]
# title, body ("{feature}" and "{Feature}" are filled in)
REQUESTS = [
    (
        "Remember my last settings in {feature}",
        "Every time I open {feature} I set it up again from scratch. Remembering what I chose last time "
        "would save me a minute, several times a day.",
    ),
    (
        "A quicker way to reach {feature}",
        "{Feature} is three screens deep. A shortcut on the home screen or in quick settings would make "
        "it something I actually use.",
    ),
    (
        "Problems with {feature} since the last update",
        "Since the update last month {feature} fails about half the time. Restarting helps for a day. "
        "Is this known?",
    ),
    (
        "Let me turn off {feature} for some apps only",
        "I like {feature} in general, but not everywhere. A per-app switch would let me keep it where it "
        "helps.",
    ),
    (
        "Explain {feature} in plain words",
        "The settings page for {feature} uses terms I had to look up. One sentence under each option "
        "would help people like my parents.",
    ),
    (
        "Make {feature} work without a connection",
        "On the train and abroad I often have no data. {Feature} is exactly what I need then, and it "
        "just shows a spinner.",
    ),
    (
        "Use {feature} with one hand",
        "On a big phone the controls for {feature} are out of reach of my thumb. Moving them to the "
        "bottom would fix it.",
    ),
    (
        "Schedule {feature}",
        "I would like {feature} to switch on by itself at set times — on weekday mornings, for example — "
        "instead of remembering to do it.",
    ),
    (
        "Copy my settings for {feature} to family phones",
        "I set up {feature} on my phone and then do the same on three more. Copying the settings to "
        "family devices would be lovely.",
    ),
    (
        "Fewer notifications from {feature}",
        "{Feature} tells me the same thing several times a day. A daily summary would be enough.",
    ),
    (
        "Battery drain from {feature}",
        "With {feature} on, I lose about 10 % more battery a day. Could it do its work less often, or "
        "only while charging?",
    ),
    (
        "Undo for {feature}",
        "I changed something in {feature} by accident and could not find the way back. An undo, or a "
        '"reset to how it was", would help.',
    ),
    (
        "Show what {feature} does with my data",
        "Before I turn on {feature} I would like to know what it stores and who can see it, in the app "
        "itself.",
    ),
]


def generated_idea(n: int) -> tuple[str, str, str, int]:
    """The n-th generated idea: (title, body, tags, product index). Distinct for n < 13 × 41."""
    feature, product, tags = FEATURES[n % len(FEATURES)]
    title, body = REQUESTS[n % len(REQUESTS)]
    repeat = n // (len(FEATURES) * len(REQUESTS))
    words = {"feature": feature, "Feature": feature[0].upper() + feature[1:]}
    suffix = f" (#{repeat + 1})" if repeat else ""
    return title.format(**words) + suffix, body.format(**words), tags, product


def generated_title(n: int) -> str:
    return generated_idea(n)[0]


TAGS = [
    "camera",
    "battery",
    "maps",
    "messaging",
    "accessibility",
    "gaming",
    "privacy",
    "offline",
    "ui",
    "performance",
    "notifications",
    "audio",
    "family",
    "travel",
    "widgets",
]
FIRST_NAMES = [
    "Aino",
    "Ben",
    "Chiara",
    "Dmitri",
    "Elif",
    "Farah",
    "Goran",
    "Hana",
    "Ilkka",
    "Jonas",
    "Kaisa",
    "Luca",
    "Maya",
    "Nils",
    "Oona",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sami",
    "Tuuli",
    "Ulla",
    "Viktor",
    "Wen",
    "Xavier",
    "Yasmin",
    "Zoe",
]
LAST_INITIALS = "ABCDEFGHIJKLMNOPRSTVW"
# Discussions: a first comment and the replies that answer it (seed_demo picks one thread per comment).
THREADS = [
    (
        "Yes! I run into this every week.",
        [
            "Same here. Mine happens most on Monday mornings, oddly.",
            "Has anyone found a workaround meanwhile?",
        ],
    ),
    (
        "Could this be an option in settings rather than the default?",
        [
            "Agreed — off by default, so nobody is surprised after an update.",
            "I'd rather have it on by default; most people never open settings.",
        ],
    ),
    (
        "How would this work with **work profiles**?",
        [
            "Good question. At my company the work profile blocks most of this already.",
            "It could follow the profile you are in: work settings in the work profile, your own outside.",
        ],
    ),
    (
        "Not sure — wouldn't this drain the battery?",
        [
            "Only if it runs all the time. On a schedule, or while charging, it would cost next to nothing.",
            "I tried a similar app: about 2 % a day for me. Worth it.",
        ],
    ),
    (
        "My workaround today: a third-party app, but it's clunky.",
        [
            "Which one? I've been looking for something like that.",
            "Careful with those, some of them read far more data than they need.",
        ],
    ),
    (
        "Tried the beta, it's close but the button is hard to reach with one hand.",
        [
            "Same on the Max size. On the smaller phone it's fine.",
            "Did you leave that as a pin on the prototype? The team reads those.",
        ],
    ),
    (
        "This would help my parents a lot.",
        [
            "Mine too. Anything that means fewer phone calls to explain settings!",
            "+1 for the seniors among us.",
        ],
    ),
    (
        "Please keep it simple; too many toggles already.",
        [
            "A sensible default and one switch would be enough.",
            "Fair, but some of us do need the fine control. Maybe under 'Advanced'?",
        ],
    ),
    (
        "I'd pay for this honestly.",
        ["I wouldn't — this should just work.", "Same. It would save me an hour a week."],
    ),
    (
        "Is this the same as the idea about widgets? Might be worth merging.",
        [
            "Similar, but that one is about the home screen; this is about the app itself.",
            "Good catch, I voted on both without noticing.",
        ],
    ),
]
COMMENTS = [first for first, _answers in THREADS]

# The team's answer when an idea's status changes (seed_demo: an official comment and the status change).
OFFICIAL_RESPONSES = {
    "under_review": "Thanks for all the detail here. We are looking into how many of you this affects and "
    "will update this idea when we know more.",
    "planned": "Good news: this is planned. We have a first design and expect to try it in a prototype "
    "soon — follow the idea to hear when you can test it.",
    "in_progress": "We are building this now. The first version covers the most common case from this "
    "discussion; the rest will follow.",
    "shipped": "This shipped in the latest update. Thank you for the ideas and the testing — let us know "
    "below how it works for you.",
    "declined": "We have decided not to do this for now: it would conflict with the battery work planned "
    "this year. We will keep the idea open for comments and revisit it.",
}
