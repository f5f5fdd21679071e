import re
from pathlib import Path

import pytest
from django.utils import translation

import podpora

APPS = Path(podpora.__file__).parent
CATALOGUES = sorted(
    p
    for app in ("kb", "surveys")
    for p in (APPS / app / "locale").glob("*/LC_MESSAGES/django.po")
)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: f"{p.parts[-5]}-{p.parts[-3]}")
def test_every_message_is_translated_and_compiled(po):
    text = po.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first entry is the header
    untranslated = [
        e for e in entries if re.search(r'^msgstr(\[\d\])? ""(?!\n")', e, re.M)
    ]
    assert untranslated == []
    assert "#, fuzzy" not in text
    assert po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime - 1


@pytest.mark.parametrize(
    ("language", "expected"), [("pl", "Baza wiedzy"), ("cs", "Znalostní báze")]
)
def test_the_knowledge_base_speaks_polish_and_czech(language, expected):
    with translation.override(language):
        assert translation.gettext("Knowledge base") == expected
