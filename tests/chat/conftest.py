import pytest

from podpora.chat.models import ChatWidget

SHOP = "https://shop.kowalski.pl"


@pytest.fixture
def widget(db, service_desk, org_a):
    return ChatWidget.objects.create(
        name="Kowalski shop",
        allowed_origins=SHOP,
        team=service_desk,
        organization=org_a,
        language="pl",
    )


@pytest.fixture
def available_tomasz(tomasz):
    tomasz.availability = "available"
    tomasz.save()
    return tomasz
