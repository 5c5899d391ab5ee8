"""The `<id:…>` path converter: a database id, 1 to 2**63 - 1, or no match (404).

Django's `int` converter takes any run of digits, and `/ideas/99999999999999999999/vote/` reached the
database with a number no bigint holds (a 500). Every URL of ours that takes an id uses `id` instead;
tests/cocreate/test_urls.py walks the resolver to keep it so. Django 5.1 deprecates re-registering
the built-in `int`, hence a name of our own, registered once when this module is first imported
(cocreate/urls.py and every app's urls.py import it before their patterns).
"""

from django.urls import register_converter

MAX_ID = 2**63 - 1  # BigAutoField (DEFAULT_AUTO_FIELD) and PostgreSQL's bigint


class IdConverter:
    regex = "[0-9]{1,19}"  # 2**63 - 1 has 19 digits; longer runs never match

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(f"id out of range: {value}")  # the resolver reads it as "no match"
        return number

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
