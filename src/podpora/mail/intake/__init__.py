"""From raw bytes to the right ticket, with nothing lost and nothing twice.

1. :func:`store` writes the raw mail and its log row and commits: from here
   on the mail cannot be lost, whatever happens next.
2. :func:`process` parses it, recognises robots and loops, finds the thread
   and the sender and writes the ticket in ONE transaction that also marks
   the log row processed, so a crash leaves either both or neither.
3. Anything that goes wrong is written on the log row (``failed`` with the
   reason, or ``held`` for review) and listed for administrators, who can
   retry, accept or discard it (``mail.views``).

There is one path: IMAP polling calls :func:`receive_batch` for each fetch,
the pipe command :func:`receive` for its one mail, which is a batch of one;
:func:`process` (a stored mail, again a batch of one) serves the task and the
administrators' retry and accept.

The modules, in the order a mail meets them:

- ``storing``: step 1, for a batch (one mail when the batch meets a copy
  stored meanwhile);
- ``batch``: step 2, ``receive_batch``, ``receive`` and ``process``, and the
  administrators' retry, accept and discard;
- ``processing``: step 2 for one claimed mail of a batch;
- ``lookups``: what processing reads and records, per mail or per batch;
- ``threads``: which ticket a mail belongs to;
- ``writing``: the new ticket, message or follow-up a mail becomes;
- ``config``: the size limit, our own addresses and Message-ID domain.

Names with a leading underscore are the package's own, shared by its modules.
"""

from podpora.mail.intake.batch import (
    accept,
    discard,
    process,
    process_batch,
    receive,
    receive_batch,
    retry,
)
from podpora.mail.intake.config import forget_own_addresses, own_addresses
from podpora.mail.intake.storing import Incoming, TemporaryFailure

__all__ = [
    "Incoming",
    "TemporaryFailure",
    "accept",
    "discard",
    "forget_own_addresses",
    "own_addresses",
    "process",
    "process_batch",
    "receive",
    "receive_batch",
    "retry",
]
