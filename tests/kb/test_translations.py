import pytest
from django.utils import translation


@pytest.mark.parametrize(
    ("language", "expected"), [("pl", "Baza wiedzy"), ("cs", "Znalostní báze")]
)
def test_the_knowledge_base_speaks_polish_and_czech(language, expected):
    with translation.override(language):
        assert translation.gettext("Knowledge base") == expected
