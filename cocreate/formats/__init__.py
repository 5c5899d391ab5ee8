"""The site's own date formats per language (FORMAT_MODULE_PATH), on top of Django's.

Templates write `|date:"SHORT_DATE_FORMAT"` and `|date:"SHORT_DATETIME_FORMAT"` instead of a fixed
"j M Y", so that each language gets its own order and punctuation ("4 Dec 2026", "4. Dez. 2026",
"4 déc. 2026", "4 dic. 2026", "4.12.2026"); everything else comes from Django's locale formats.
"""
