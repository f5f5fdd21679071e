from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt

from podpora.api import errors, views
from podpora.api.api import api

_operations, _app_name, _namespace = api.urls
# No app namespace here: ninja reverses its own URLs under "api-v1", which
# must sit at the top level. Each of ninja's views answers a wrong method in
# our error shape, and a path under v1/ that matches nothing is a JSON 404.
_v1 = [
    path(
        str(p.pattern), csrf_exempt(errors.outside_operations(p.callback)), name=p.name
    )
    for p in _operations
    if isinstance(p, URLPattern) and p.callback is not None
] + [re_path(r"^(?P<rest>.*)$", csrf_exempt(errors.unknown_endpoint))]

urlpatterns = [
    path("v1/", (_v1, _app_name, _namespace)),
    path("tokens/", views.tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke, name="api_token_revoke"),
]
