from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "podpora.automation"
    verbose_name = _("Automation and SLA")

    def ready(self) -> None:
        from podpora.automation.models import (
            BusinessCalendar,
            ClosedDay,
            Rule,
            SlaPolicy,
            SlaTarget,
        )
        from podpora.core import config_cache

        config_cache.watch(BusinessCalendar, ClosedDay, Rule, SlaPolicy, SlaTarget)
