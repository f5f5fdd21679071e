from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "podpora.accounts"
    verbose_name = _("People and organisations")

    def ready(self) -> None:
        from podpora.accounts import checks  # noqa: F401 -- registers the checks
