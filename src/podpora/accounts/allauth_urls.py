"""django-allauth's two-factor and session pages, under /accounts/ beside ours.

Only the parts Podpora uses are routed (no allauth sign-up, e-mail or password
pages); allauth's own names are kept because its views and templates reverse
them, and ``account_login``/``account_logout`` name our own views.
"""

from allauth.account import views as allauth_views
from django.urls import include, path

from podpora.accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="account_login"),
    path("logout/", views.LogoutView.as_view(), name="account_logout"),
    path(
        "reauthenticate/",
        allauth_views.reauthenticate,
        name="account_reauthenticate",
    ),
    path("2fa/", include("allauth.mfa.urls")),
    path("sessions/", include("allauth.usersessions.urls")),
]
