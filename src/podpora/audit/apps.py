from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "podpora.audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        # Events that happen inside libraries (allauth's two-factor pages,
        # Django's admin) reach the log through their documented signals.
        from podpora.audit import receivers

        receivers.connect()
