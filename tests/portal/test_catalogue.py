"""The portal speaks Polish and Czech completely: every message translated,
nothing left fuzzy, and the compiled catalogue matches its source."""

import gettext
import re
from pathlib import Path

import pytest

import podpora.portal

LOCALE = Path(podpora.portal.__file__).parent / "locale"


@pytest.mark.parametrize("language", ["pl", "cs"])
def test_every_portal_message_is_translated_and_compiled(language):
    source = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text()
    entries = [e for e in source.split("\n\n") if re.search(r"^msgid ", e, re.M)]
    header, messages = entries[0], entries[1:]
    assert 'msgid ""\nmsgstr ""' in header
    untranslated = [
        e for e in messages if re.search(r'^msgstr(\[\d\])? ""$(?!\n")', e, re.M)
    ]
    assert untranslated == []
    assert [e for e in messages if "fuzzy" in e] == []
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    for entry in messages:
        msgid = "".join(
            re.findall(r'"(.*)"', entry.split("msgid ", 1)[1].split("\nmsg", 1)[0])
        )
        msgid = msgid.encode().decode("unicode_escape").encode("latin-1").decode()
        context = re.search(r'^msgctxt "(.*)"', entry, re.M)
        key = f"{context.group(1)}\x04{msgid}" if context else msgid
        if "msgid_plural" in entry:
            assert catalogue.ngettext(msgid, msgid, 1) != msgid or context
        else:
            assert key in catalogue._catalog, f"{msgid!r} is not compiled"
