import re
from pathlib import Path

import pytest

from podpora.accounts.models import AgentRole
from podpora.accounts.permissions import RIGHTS, Right, can

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def _documented_rights() -> dict[str, dict[str, bool]]:
    table = {}
    for line in DOC.read_text().splitlines():
        match = re.match(r"\| `(\w+)` \|[^|]*\| (\w+) \| (\w+) \| (\w+) \|", line)
        if match:
            name, *cells = match.groups()
            table[name] = dict(
                zip(
                    (AgentRole.AGENT, AgentRole.SUPERVISOR, AgentRole.ADMIN),
                    (cell == "yes" for cell in cells),
                    strict=True,
                )
            )
    return table


def test_the_documented_rights_table_matches_the_code():
    documented = _documented_rights()
    assert set(documented) == {right.value for right in Right}
    for right in Right:
        for role, allowed in documented[right.value].items():
            assert (right in RIGHTS[role]) is allowed, (right, role)


def test_each_role_has_at_least_the_rights_of_the_role_below():
    assert RIGHTS[AgentRole.AGENT] < RIGHTS[AgentRole.SUPERVISOR]
    assert RIGHTS[AgentRole.SUPERVISOR] < RIGHTS[AgentRole.ADMIN]


@pytest.mark.django_db
def test_customers_and_deactivated_agents_have_no_rights(adam, tomasz, alicja):
    assert not any(can(adam, right) for right in Right)
    assert can(alicja, Right.MANAGE_SETTINGS)
    assert not can(tomasz, Right.MANAGE_SETTINGS)
    tomasz.is_active = False
    assert not any(can(tomasz, right) for right in Right)
    assert not can(None, Right.WORK_TICKETS)
