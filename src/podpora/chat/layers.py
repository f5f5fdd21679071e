"""The in-memory channel layer of the embedded default (one web process).

Channels' own in-memory layer walks every channel and every group membership
to drop expired ones on each ``group_send`` and each ``receive``: with 500
open chats that is a thousand entries per message, twice, on the event loop,
and it was most of the loop's time in ``bench/chat.py``. Here the same sweep
runs at most once a second; messages expire after a minute and group
memberships after a day, so a sweep a second later changes nothing anybody
can notice.
"""

import time

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryLayer

SWEEP_INTERVAL = 1.0


class InMemoryChannelLayer(ChannelsInMemoryLayer):
    _last_sweep = float("-inf")

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_INTERVAL:
            return
        self._last_sweep = now
        super()._clean_expired()
