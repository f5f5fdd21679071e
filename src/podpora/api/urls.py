from django.urls import path

from podpora.api import views
from podpora.api.api import api

# No app namespace here: ninja reverses its own URLs under "api-v1", which
# must sit at the top level.
urlpatterns = [
    path("v1/", api.urls),
    path("tokens/", views.tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke, name="api_token_revoke"),
]
