"""Group commit for messages sent over WebSockets.

Consumers hand each message to the writer of their event loop and wait. The
writer stores everything queued so far in one transaction on a thread of its
own (``services.store_messages``), then answers each consumer with the
message's payload, which the consumer broadcasts. So a message is still
stored before anybody hears of it, but 500 messages that arrive together cost
one transaction instead of 500 turns on the single thread that Channels gives
``database_sync_to_async`` (where they also queued behind every read).

A batch that fails as a whole (a lost connection, a lock timeout) is retried
one message at a time, so one bad write cannot take the others with it; a
message that still cannot be stored is answered with a ``ChatError`` the
client shows, and nothing was pushed for it.
"""

import asyncio
import logging
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import DatabaseError, close_old_connections
from django.utils.translation import gettext as _

from podpora.chat import services

log = logging.getLogger(__name__)

# A bound on one transaction (and on how long its first message waits).
MAX_BATCH = 500

Outcome = dict[str, Any] | services.ChatError

# One thread writes for the whole process: writes to one database serialise
# anyway, and a thread of its own keeps them out of the queue of reads.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-writer")
_writers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, MessageWriter]" = (
    weakref.WeakKeyDictionary()
)


async def write(draft: services.Draft) -> dict[str, Any]:
    """Store a message and return the payload to push; raises ``ChatError``."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = MessageWriter()
    return await writer.write(draft)


class MessageWriter:
    """The writer of one event loop (one per web process)."""

    def __init__(self) -> None:
        self._pending: list[tuple[services.Draft, asyncio.Future[Outcome]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def write(self, draft: services.Draft) -> dict[str, Any]:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append((draft, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="chat-writer")
        self._wake.set()
        outcome = await future
        if isinstance(outcome, services.ChatError):
            raise outcome
        return outcome

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = self._pending[:MAX_BATCH]
                del self._pending[:MAX_BATCH]
                try:
                    outcomes = await loop.run_in_executor(
                        _executor, store, [draft for draft, _future in batch]
                    )
                except Exception:  # answered below: nothing was stored
                    log.exception("chat messages could not be stored")
                    outcomes = [_not_stored() for _ in batch]
                for (_draft, future), outcome in zip(batch, outcomes, strict=True):
                    if not future.done():  # the socket may have gone meanwhile
                        future.set_result(outcome)


def store(drafts: list[services.Draft]) -> list[Outcome]:
    """On the writer's thread: one transaction, or one per message if that fails."""
    close_old_connections()
    try:
        try:
            return _payloads(services.store_messages(drafts))
        except DatabaseError:
            if len(drafts) == 1:
                log.exception("a chat message could not be stored")
                return [_not_stored()]
            log.warning("a batch of %d chat messages failed; one by one", len(drafts))
        outcomes: list[Outcome] = []
        for draft in drafts:
            close_old_connections()
            try:
                outcomes += _payloads(services.store_messages([draft]))
            except DatabaseError:
                log.exception("a chat message could not be stored")
                outcomes.append(_not_stored())
        return outcomes
    finally:
        close_old_connections()


def _payloads(results: list[Any]) -> list[Outcome]:
    return [
        result if isinstance(result, services.ChatError) else services.payload(result)
        for result in results
    ]


def _not_stored() -> services.ChatError:
    return services.ChatError(
        _("The message could not be saved. Please send it again."),
        code="not_saved",
    )
