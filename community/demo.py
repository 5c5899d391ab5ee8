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

ACTIONS = ["Let me", "Add a way to", "Make it easier to", "Allow me to", "Please let us", "One tap to"]
OBJECTS = [
    "schedule",
    "mute",
    "back up",
    "share",
    "pin",
    "archive",
    "export",
    "filter",
    "translate",
    "search",
    "lock",
    "sync",
    "rename",
    "group",
    "preview",
    "undo",
    "compare",
    "dim",
    "resize",
    "label",
]
THINGS = [
    "photos",
    "chats",
    "alarms",
    "widgets",
    "notifications",
    "routes",
    "screenshots",
    "contacts",
    "albums",
    "downloads",
    "playlists",
    "reminders",
    "voice notes",
    "wallpapers",
    "game clips",
]
CONTEXTS = [
    "from the lock screen",
    "while driving",
    "when offline",
    "for the whole family",
    "on a slow network",
    "in dark mode",
    "with one hand",
    "on a smartwatch",
    "before a flight",
    "at night",
    "during a call",
    "in the background",
]
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
COMMENTS = [
    "Yes! I run into this every week.",
    "Could this be an option in settings rather than the default?",
    "How would this work with **work profiles**?",
    "+1, especially for travelling.",
    "I'd pay for this honestly.",
    "Not sure — wouldn't this drain the battery?",
    "My workaround today: a third-party app, but it's clunky.",
    "Tried the beta, it's close but the button is hard to reach with one hand.",
    "This would help my parents a lot.",
    "Please keep it simple; too many toggles already.",
]


def generated_title(n: int) -> str:
    """The n-th generated idea title; distinct for the first len(ACTIONS)·…·len(CONTEXTS) values."""
    a = ACTIONS[n % len(ACTIONS)]
    n //= len(ACTIONS)
    o = OBJECTS[n % len(OBJECTS)]
    n //= len(OBJECTS)
    t = THINGS[n % len(THINGS)]
    n //= len(THINGS)
    c = CONTEXTS[n % len(CONTEXTS)]
    n //= len(CONTEXTS)
    suffix = f" (#{n + 1})" if n else ""
    return f"{a} {o} {t} {c}{suffix}"
