from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import override

from podpora.chat.models import ChatSession, Sender
from podpora.core.reaper import retry_safe


@retry_safe
@task
def send_transcript(session_id: int) -> None:
    """E-mail the visitor the conversation; safe to run twice (sent once)."""
    with transaction.atomic():
        session = (
            ChatSession.objects.select_for_update()
            .select_related("visitor", "widget")
            .filter(pk=session_id, transcript_sent_at__isnull=True)
            .first()
        )
        if session is None:
            return
        lines = [
            m
            for m in session.messages.select_related("author").order_by("pk")
            if m.sender != Sender.SYSTEM
        ]
        if not lines:
            return
        context = {"session": session, "lines": lines, "visitor": session.visitor}
        with override(session.language):
            subject = render_to_string(
                "chat/emails/transcript_subject.txt", context
            ).strip()
            text = render_to_string("chat/emails/transcript.txt", context)
            html = render_to_string("chat/emails/transcript.html", context)
        mail = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[session.visitor.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        mail.attach_alternative(html, "text/html")
        mail.send()
        ChatSession.objects.filter(pk=session.pk).update(
            transcript_sent_at=timezone.now()
        )
