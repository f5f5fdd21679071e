"""The app's own icon: ``/favicon.ico`` answers (no 404 in every log) and
pages link it and its SVG twin."""

from django.test import Client


def test_favicon_ico_is_served_as_an_icon_and_cached():
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # ICO
    assert "max-age=604800" in response["Cache-Control"]


def test_pages_link_the_icon(db):
    html = Client().get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/favicon.ico"' in html
    assert 'href="/static/core/favicon.svg" type="image/svg+xml"' in html
