"""Tasks of the automation app; each is safe to run twice."""

from django.tasks import task

from podpora.automation import autoclose, mails, rules, sla


@task
def sla_sweep() -> int:
    return sla.sweep().evaluated


@task
def time_rules() -> int:
    return rules.run_time_rules()


@task
def auto_close() -> int:
    return autoclose.close_resolved()


@task
def send_ticket_mail(ticket_id: int, template: str) -> bool:
    return mails.send_ticket_mail(ticket_id, template)
