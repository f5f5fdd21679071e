from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "podpora.integrations"
    verbose_name = _("Webhooks and alerts")

    def ready(self) -> None:
        from podpora.core import config_cache
        from podpora.integrations.models import Webhook

        config_cache.watch(Webhook)
