import pytest
from django.test import Client

from podpora.api import services


@pytest.fixture
def token_for():
    """A personal API token's secret for a persona."""

    def _token(user, scope: str = "write") -> str:
        _, secret = services.create_token(user, name="test", scope=scope)
        return secret

    return _token


@pytest.fixture
def api_as(token_for):
    """A test client that calls the API with a persona's token."""

    def _client(user, scope: str = "write") -> Client:
        return Client(headers={"Authorization": f"Bearer {token_for(user, scope)}"})

    return _client
