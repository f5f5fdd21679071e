"""Date and time formats of Podpora's languages (``FORMAT_MODULE_PATH``).

One numeric, 24-hour style per language, used by every page and mail through
the ``date`` filter's named formats (``SHORT_DATETIME_FORMAT`` and friends):
Polish and Czech ``07.12.2026 16:35``, English day-first ``07 Dec 2026 16:35``
(never the US ``12/07/2026 4:35 p.m.``, which a European reader takes for
12 July). Anything not set here (input formats, first day of the week) comes
from Django's own locale files.
"""
