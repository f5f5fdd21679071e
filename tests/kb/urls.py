"""The real URLs plus stand-in pages for the portal's new-request form and the
desk's reply box, which include the knowledge-base partials the way those
apps will, so browser tests exercise the partials and their scripts."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from podpora.urls import urlpatterns as real_urlpatterns

_NEW_REQUEST = """{% extends "base.html" %}{% block content %}
<h1>New request</h1>
<form method="post" class="stack card">
  <div><label for="id_subject">Subject</label><input type="text" id="id_subject" name="subject"></div>
  <div><label for="id_body">Describe the problem</label><textarea id="id_body" name="body"></textarea></div>
  {% include "kb/partials/suggest_box.html" %}
  <button type="submit">Send request</button>
</form>{% endblock %}"""

_REPLY_BOX = """{% extends "base.html" %}{% block content %}
<h1>Reply</h1>
<label for="id_reply">Reply</label><textarea id="id_reply" name="body" rows="6">Dzień dobry,</textarea>
{% include "kb/partials/reply_search.html" with reply_field="id_reply" %}
{% endblock %}"""


def _page(source: str):
    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        template = engines["django"].from_string(source)
        return HttpResponse(template.render({}, request))

    return view


urlpatterns = [
    path("test/new-request/", _page(_NEW_REQUEST)),
    path("test/reply/", _page(_REPLY_BOX)),
    *real_urlpatterns,
]
