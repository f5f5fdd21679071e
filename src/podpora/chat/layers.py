"""The in-memory channel layer of the embedded default.

Two changes to Channels' own in-memory layer:

* **Sweeps once a second.** Channels' layer walks every channel and every
  group membership to drop expired ones on each ``group_send`` and each
  ``receive``: with 500 open chats that is a thousand entries per message,
  twice, on the event loop, and it was most of the loop's time in
  ``bench/chat.py``. Here the same sweep runs at most once a second; messages
  expire after a minute and group memberships after a day, so a sweep a second
  later changes nothing anybody can notice.
* **Sibling processes hear group messages** (``podpora.chat.relay``): the web
  server, the worker, the scheduler and a mail pipe share one database but not
  one memory, and a ticket the worker opens must still refresh the desk pages
  that the web server holds open.
"""

import asyncio
import time
from typing import Any

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryLayer

from podpora.chat.relay import Relay

SWEEP_INTERVAL = 1.0


class InMemoryChannelLayer(ChannelsInMemoryLayer):
    _last_sweep = float("-inf")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.relay = Relay()

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_INTERVAL:
            return
        self._last_sweep = now
        super()._clean_expired()

    def has_members(self, group: str) -> bool:
        return bool(self.groups.get(group))

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await super().group_send(group, message)
        self.relay.send(group, message)

    async def _deliver_here(self, group: str, message: dict[str, Any]) -> None:
        await super().group_send(group, message)

    def listen_to_siblings(self) -> bool:
        """Called once by each process that serves WebSockets, on its loop."""
        return self.relay.listen(asyncio.get_running_loop(), self._deliver_here)

    def stop_listening(self) -> None:
        self.relay.close(asyncio.get_running_loop())
