"""Background work of the mail channel. Every task is safe to run twice."""

from django.tasks import task

from podpora.core.reaper import retry_safe


@retry_safe
@task()
def send_outbound(outbound_id: int) -> str:
    from podpora.mail.notifications import send

    return send(outbound_id)


@retry_safe
@task()
def send_outbound_batch(outbound_ids: list[int]) -> list[str]:
    """The mails one ticket change called for; each is claimed on its own."""
    from podpora.mail.notifications import send

    return [send(outbound_id) for outbound_id in outbound_ids]


@task()
def retry_outbound() -> int:
    """Periodic: send again what failed for a passing reason, with backoff."""
    from podpora.mail.notifications import due_for_retry, send

    due = due_for_retry()
    for outbound_id in due:
        send(outbound_id)
    return len(due)


@task()
def poll_mailboxes() -> dict[str, str]:
    """Periodic: read every IMAP mailbox whose poll interval has passed."""
    from podpora.mail.imap import poll_due

    return poll_due()


@retry_safe
@task()
def process_stored(inbound_id: int) -> str:
    from podpora.mail import intake
    from podpora.mail.models import InboundMail

    inbound = InboundMail.objects.filter(pk=inbound_id).first()
    if inbound is None:
        return "missing"
    return intake.process(inbound).state
