from django.tasks import task

from podpora.core.reaper import retry_safe
from podpora.integrations import webhooks


@retry_safe
@task
def deliver_webhook(delivery_id: str) -> None:
    webhooks.deliver(delivery_id)


@task
def retry_webhooks() -> None:
    """Periodic: send again the deliveries whose back-off has passed."""
    for delivery_id in webhooks.due_deliveries():
        webhooks.deliver(delivery_id)
