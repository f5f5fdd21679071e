"""Polish and Czech are complete: every message the code and templates use is
in a catalogue, translated, not fuzzy, and compiled into the ``.mo`` the
application loads."""

import gettext
import os
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

import podpora

SOURCE = Path(podpora.__file__).parent
# Each app's own catalogue, and the project's (its templates and settings).
FOLDERS = [*sorted(p.parent for p in SOURCE.glob("*/locale")), SOURCE]
LANGUAGES = ("pl", "cs")


def _name(folder: Path) -> str:
    return "project" if folder == SOURCE else folder.name


def _entries(po: Path) -> list[str]:
    text = po.read_text(encoding="utf-8")
    return [e for e in text.split("\n\n") if re.search(r"^msgid ", e, re.M)][1:]


def _msgid(entry: str) -> str:
    quoted = entry.split("msgid ", 1)[1].split("\nmsg", 1)[0]
    text = "".join(re.findall(r'"(.*)"', quoted))
    return text.encode().decode("unicode_escape").encode("latin-1").decode()


def _key(entry: str) -> str:
    context = re.search(r'^msgctxt "(.*)"', entry, re.M)
    return f"{context.group(1)}\x04{_msgid(entry)}" if context else _msgid(entry)


def _catalogue(folder: Path, language: str) -> Path:
    return folder / "locale" / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("folder", FOLDERS, ids=_name)
def test_every_message_is_translated_and_compiled(folder, language):
    po = _catalogue(folder, language)
    entries = _entries(po)
    untranslated = [
        _msgid(e) for e in entries if re.search(r'^msgstr(\[\d\])? ""$(?!\n")', e, re.M)
    ]
    assert untranslated == []
    assert [_msgid(e) for e in entries if "#, fuzzy" in e] == []
    with po.with_suffix(".mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = [
        _msgid(e)
        for e in entries
        if _key(e) not in catalogue._catalog  # type: ignore[attr-defined]
        and (_key(e), 0) not in catalogue._catalog  # type: ignore[attr-defined]
    ]
    assert stale == [], "compile the catalogue again (compilemessages)"


@pytest.mark.parametrize("folder", FOLDERS, ids=_name)
def test_every_message_in_the_source_is_in_the_catalogues(folder, tmp_path):
    """What ``makemessages`` finds in the code and templates today is in both
    catalogues: a new message can't ship in English only."""
    copy = tmp_path / "source"
    ignored = shutil.ignore_patterns("*.mo", "__pycache__", "static")
    if folder == SOURCE:  # the project's own files, not the apps'
        copy.mkdir()
        for path in SOURCE.iterdir():
            if path.is_file():
                shutil.copy(path, copy)
        shutil.copytree(SOURCE / "templates", copy / "templates", ignore=ignored)
        shutil.copytree(SOURCE / "locale", copy / "locale", ignore=ignored)
    else:
        shutil.copytree(folder, copy, ignore=ignored)
    previous = Path.cwd()
    os.chdir(copy)
    try:
        call_command("makemessages", locale=["pl"], no_obsolete=True, verbosity=0)
    finally:
        os.chdir(previous)
    found = {_key(e) for e in _entries(_catalogue(copy, "pl"))}
    for language in LANGUAGES:
        kept = {_key(e) for e in _entries(_catalogue(folder, language))}
        assert sorted(found - kept) == [], f"run makemessages -l {language}"
