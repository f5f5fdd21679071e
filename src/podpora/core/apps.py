from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "podpora.core"
    verbose_name = _("Podpora")

    def ready(self) -> None:
        # The configuration checks register themselves on import.
        from podpora.core import (
            checks,  # noqa: F401
            secret_key,
        )

        secret_key.ensure()
