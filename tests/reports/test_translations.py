import re
from pathlib import Path

import pytest

import podpora

CATALOGUES = sorted(
    (Path(podpora.__file__).parent / "reports" / "locale").glob(
        "*/LC_MESSAGES/django.po"
    )
)


def test_both_catalogues_exist():
    assert [p.parts[-3] for p in CATALOGUES] == ["cs", "pl"]


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_every_report_message_is_translated_and_compiled(po):
    text = po.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first entry is the header
    untranslated = [
        e for e in entries if re.search(r'^msgstr(\[\d\])? ""(?!\n")', e, re.M)
    ]
    assert untranslated == []
    assert "#, fuzzy" not in text
    assert po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime - 1
