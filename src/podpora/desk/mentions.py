"""Finding the colleagues an internal note mentions with "@"."""

import re
from collections.abc import Iterable

from podpora.accounts.models import User


def find_mentions(text: str, agents: Iterable[User]) -> list[User]:
    """Agents named in ``text`` as ``@e-mail``, ``@Full Name`` or ``@Firstname``
    (the first name only when no other agent shares it). Case-insensitive."""
    if "@" not in text:
        return []
    lowered = text.lower()
    agents = list(agents)
    first_names: dict[str, int] = {}
    for agent in agents:
        first = agent.full_name.split()[0].lower() if agent.full_name.strip() else ""
        if first:
            first_names[first] = first_names.get(first, 0) + 1
    found = []
    for agent in agents:
        names = [agent.email.lower()]
        if agent.full_name.strip():
            names.append(" ".join(agent.full_name.split()).lower())
            first = agent.full_name.split()[0].lower()
            if first_names.get(first) == 1:
                names.append(first)
        if any(_mentioned(lowered, name) for name in names):
            found.append(agent)
    return found


def _mentioned(text: str, name: str) -> bool:
    # The name must end at a word boundary: "@tomasz" must not match "@tomaszek".
    return re.search(r"(?<![\w.])@" + re.escape(name) + r"(?![\w@-])", text) is not None
