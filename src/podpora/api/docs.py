"""``/api/v1/docs``: Swagger UI from our own static files.

ninja's default page loads Swagger UI from a CDN, which an install without
internet shows as a blank page; ``swagger-ui-dist`` comes from npm with the
other front-end libraries (package.json) and is served under ``vendor/``.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger


class LocalSwagger(Swagger):
    def render_page(
        self, request: HttpRequest, api: NinjaAPI, **kwargs: Any
    ) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(
            request, "api/docs.html", {"api": api, "swagger_settings": settings}
        )
