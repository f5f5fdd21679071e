from django.contrib import admin
from django.urls import include, path

from podpora.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/", include("podpora.accounts.urls")),
    path("accounts/", include("podpora.accounts.allauth_urls")),
    path("tickets/", include("podpora.tickets.urls")),
    path("desk/clients/", include("podpora.clients.urls")),
    path("desk/", include("podpora.desk.urls")),
    path("portal/", include("podpora.portal.urls")),
    path("mail/", include("podpora.mail.urls")),
    path("automation/", include("podpora.automation.urls")),
    path("kb/", include("podpora.kb.urls")),
    path("surveys/", include("podpora.surveys.urls")),
    path("reports/", include("podpora.reports.urls")),
    path("api/", include("podpora.api.urls")),
    path("search/", include("podpora.search.urls")),
    path("integrations/", include("podpora.integrations.urls")),
    path("chat/", include("podpora.chat.urls")),
    path("audit/", include("podpora.audit.urls")),
]
