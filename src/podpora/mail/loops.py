"""Robots, loops and bounces: which mails must never get an automatic answer.

Pure functions over a :class:`~podpora.mail.parsing.ParsedMail`. A mail that is
automatic is still stored on the ticket it concerns; it only triggers no
acknowledgement or other automatic mail, and does not reopen the ticket.
"""

import hashlib
import hmac
import re
from enum import StrEnum

from podpora.mail.parsing import ParsedMail


class Sender(StrEnum):
    PERSON = "person"
    AUTO_REPLY = "auto_reply"  # out of office, vacation, "we got your mail"
    BULK = "bulk"  # lists, newsletters, Precedence: bulk/junk/list
    BOUNCE = "bounce"  # delivery status notifications, MAILER-DAEMON
    LOOP = "loop"  # our own mail come back to us


_ROBOT_LOCALPARTS = re.compile(
    r"^(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|"
    r"notifications?|auto-?reply|daemon)(?:[+-].*)?$",
    re.I,
)
_AUTO_SUBJECT = re.compile(
    r"^(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|out of (?:the )?office|"
    r"automatyczna odpowiedź|nieobecność|poza biurem|automatická odpověď|"
    r"mimo kancelář|abwesenheit|vacation)",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    r"^(?:undeliver(?:able|ed)|delivery status notification|"
    r"mail delivery (?:failed|failure|subsystem)|returned mail|"
    r"failure notice|nie można dostarczyć|nedoručitelné)",
    re.I,
)


def loop_token(message_id: str, secret: str) -> str:
    """The value of our ``X-Podpora-Loop`` header: proves a mail is ours, so a
    stranger cannot fake it to silence our answers to someone else."""
    digest = hmac.new(secret.encode(), message_id.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def classify(
    parsed: ParsedMail, *, secret: str = "", own_domains: tuple[str, ...] = ()
) -> Sender:
    if (
        secret
        and parsed.loop_token
        and parsed.message_id
        and hmac.compare_digest(
            parsed.loop_token, loop_token(parsed.message_id, secret)
        )
    ):
        return Sender.LOOP
    if (
        parsed.message_id
        and own_domains
        and parsed.message_id.rsplit("@", 1)[-1] in own_domains
    ):
        return Sender.LOOP
    local = parsed.from_address.partition("@")[0]
    # Delivery status, read receipts and feedback-loop / abuse reports
    # (RFC 5965, report-type=feedback-report): a machine writing about a mail.
    if parsed.content_type == "multipart/report" or parsed.x_failed_recipients:
        return Sender.BOUNCE
    if not parsed.from_address:
        # The parser accepts a mail without an address only as a server's
        # report ("MAILER-DAEMON <>", the null sender).
        return Sender.BOUNCE
    if parsed.return_path == "" and (
        _BOUNCE_SUBJECT.match(parsed.subject)
        or local.lower() in {"mailer-daemon", "postmaster"}
    ):
        return Sender.BOUNCE
    if local.lower().startswith("mailer-daemon") or _BOUNCE_SUBJECT.match(
        parsed.subject
    ):
        return Sender.BOUNCE
    if parsed.auto_submitted and parsed.auto_submitted.split(";")[0].strip() != "no":
        return Sender.AUTO_REPLY
    # Outlook and Exchange put this on mails they send by themselves; it asks
    # us not to answer, which is exactly what "automatic" means here.
    if any(
        flag in parsed.auto_response_suppress for flag in ("all", "oof", "autoreply")
    ):
        return Sender.AUTO_REPLY
    if parsed.precedence in {"bulk", "junk", "list"} or parsed.list_id:
        return Sender.BULK
    if _AUTO_SUBJECT.match(parsed.subject):
        return Sender.AUTO_REPLY
    if _ROBOT_LOCALPARTS.match(local) or parsed.return_path == "":
        return Sender.AUTO_REPLY
    return Sender.PERSON


def is_automatic(kind: Sender) -> bool:
    return kind is not Sender.PERSON
