"""Sign-in against a real directory: Debian's slapd, started by the test on a
free port with a throwaway configuration."""

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.urls import reverse

from podpora.accounts.models import AgentRole, User
from podpora.audit.models import AuditEntry, Kind

pytestmark = pytest.mark.django_db

SUFFIX = "dc=podpora,dc=test"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "directory-root"
ADMINS = f"cn=helpdesk-admins,ou=groups,{SUFFIX}"
AGENTS = f"cn=helpdesk-agents,ou=groups,{SUFFIX}"
SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"

LDIF = f"""\
dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
o: Podpora test
dc: podpora

dn: ou=people,{SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{SUFFIX}
objectClass: organizationalUnit
ou: groups

dn: uid=ewa,ou=people,{SUFFIX}
objectClass: inetOrgPerson
uid: ewa
cn: Ewa Zielińska
sn: Zielińska
mail: ewa@podpora.test
userPassword: ewa-directory-pass

dn: uid=marek,ou=people,{SUFFIX}
objectClass: inetOrgPerson
uid: marek
cn: Marek Dudek
sn: Dudek
mail: marek@podpora.test
userPassword: marek-directory-pass

dn: uid=jana,ou=people,{SUFFIX}
objectClass: inetOrgPerson
uid: jana
cn: Jana Veselá
sn: Veselá
mail: jana@kowalski.pl
userPassword: jana-directory-pass

dn: {ADMINS}
objectClass: groupOfNames
cn: helpdesk-admins
member: uid=ewa,ou=people,{SUFFIX}

dn: {AGENTS}
objectClass: groupOfNames
cn: helpdesk-agents
member: uid=marek,ou=people,{SUFFIX}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    """A slapd with three people and two groups; its ``ldap://`` URL."""
    if not Path(SLAPD).exists():
        pytest.fail("slapd is not installed (scripts/lib.sh installs it)")
    root = tmp_path_factory.mktemp("slapd")
    (root / "db").mkdir()
    (root / "slapd.conf").write_text(
        f"""\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {root}/slapd.pid
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {root}/db
"""
    )
    port = _free_port()
    url = f"ldap://127.0.0.1:{port}"
    server = subprocess.Popen(
        [SLAPD, "-f", str(root / "slapd.conf"), "-h", url + "/", "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(server.stderr.read().decode()) from None
                time.sleep(0.1)
        subprocess.run(
            ["ldapadd", "-x", "-H", url, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
            input=LDIF.encode(),
            check=True,
            capture_output=True,
        )
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def ldap_settings(settings, directory):
    import ldap
    from django_auth_ldap.config import LDAPSearch, NestedGroupOfNamesType

    settings.AUTHENTICATION_BACKENDS = [
        "podpora.accounts.ldap.LDAPBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    settings.AUTH_LDAP_SERVER_URI = directory
    settings.AUTH_LDAP_BIND_DN = ROOT_DN
    settings.AUTH_LDAP_BIND_PASSWORD = ROOT_PASSWORD
    settings.AUTH_LDAP_USER_SEARCH = LDAPSearch(
        f"ou=people,{SUFFIX}", ldap.SCOPE_SUBTREE, "(mail=%(user)s)"
    )
    settings.AUTH_LDAP_USER_ATTR_MAP = {"full_name": "cn"}
    settings.AUTH_LDAP_GROUP_SEARCH = LDAPSearch(
        f"ou=groups,{SUFFIX}", ldap.SCOPE_SUBTREE, "(objectClass=groupOfNames)"
    )
    settings.AUTH_LDAP_GROUP_TYPE = NestedGroupOfNamesType()
    settings.PODPORA_LDAP_ROLE_GROUPS = f"admin={ADMINS};agent={AGENTS}"
    settings.PODPORA_MFA_REQUIRED_FOR = []
    return settings


def _login(client, email, password):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}
    )


def test_a_directory_agent_signs_in_and_gets_an_account_with_their_role(
    client, ldap_settings
):
    response = _login(client, "Marek@Podpora.test", "marek-directory-pass")
    assert response.status_code == 302
    marek = User.objects.get(email="marek@podpora.test")
    assert marek.full_name == "Marek Dudek"
    assert marek.agent_role == AgentRole.AGENT
    assert not marek.has_usable_password()  # the directory keeps the password
    assert client.get(reverse("desk:queue", args=["mine"])).status_code == 200
    assert AuditEntry.objects.filter(kind=Kind.SIGN_IN, actor=marek).exists()


def test_the_directory_groups_decide_the_role_at_every_sign_in(client, ldap_settings):
    User.objects.create_user("ewa@podpora.test", full_name="E.", agent_role="agent")
    _login(client, "ewa@podpora.test", "ewa-directory-pass")
    ewa = User.objects.get(email="ewa@podpora.test")
    assert ewa.agent_role == AgentRole.ADMIN
    assert ewa.full_name == "Ewa Zielińska"
    change = AuditEntry.objects.get(kind=Kind.ROLE_CHANGED)
    assert change.details == {"agent_role": ["agent", "admin"], "source": "ldap"}


def test_someone_in_no_role_group_is_a_customer_of_their_domains_organisation(
    client, ldap_settings, org_a
):
    _login(client, "jana@kowalski.pl", "jana-directory-pass")
    jana = User.objects.get(email="jana@kowalski.pl")
    assert jana.is_customer
    assert jana.memberships.get().organization == org_a


def test_a_wrong_directory_password_is_refused_and_logged(client, ldap_settings):
    response = _login(client, "marek@podpora.test", "guess")
    assert "The e-mail address or the password is not right." in response.text
    assert not User.objects.filter(email="marek@podpora.test").exists()
    assert AuditEntry.objects.filter(
        kind=Kind.SIGN_IN_FAILED, actor_email="marek@podpora.test"
    ).exists()


def test_a_required_group_keeps_others_out(client, ldap_settings, org_a):
    ldap_settings.AUTH_LDAP_REQUIRE_GROUP = AGENTS
    assert _login(client, "jana@kowalski.pl", "jana-directory-pass").status_code == 200
    assert (
        _login(client, "marek@podpora.test", "marek-directory-pass").status_code == 302
    )


def test_local_accounts_still_sign_in_beside_the_directory(
    client, ldap_settings, tomasz
):
    from tests.conftest import PASSWORD

    assert _login(client, tomasz.email, PASSWORD).status_code == 302


def _sync(*args):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("ldap_sync", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_reports_the_sync_and_changes_nothing(ldap_settings, org_a):
    ldap_settings.PODPORA_LDAP_SYNC_FILTER = "(objectClass=inetOrgPerson)"
    report = _sync("--dry-run")
    assert "+ ewa@podpora.test (admin)" in report
    assert "+ marek@podpora.test (agent)" in report
    assert "+ jana@kowalski.pl (customer)" in report
    assert "Would add 3, would change 0, would deactivate 0." in report
    assert not User.objects.filter(email__in=["ewa@podpora.test"]).exists()


def test_the_sync_adds_people_and_deactivates_those_who_left(
    ldap_settings, org_a, adam
):
    ldap_settings.PODPORA_LDAP_SYNC_FILTER = "(objectClass=inetOrgPerson)"
    assert "Added 3, changed 0, deactivated 0." in _sync()
    assert User.objects.get(email="ewa@podpora.test").agent_role == AgentRole.ADMIN
    assert "Added 0, changed 0, deactivated 0." in _sync()  # nothing to do twice

    # Marek leaves: the sync no longer finds him (the directory is shared by
    # this module's tests, so he is filtered out rather than deleted).
    ldap_settings.PODPORA_LDAP_SYNC_FILTER = (
        "(&(objectClass=inetOrgPerson)(!(uid=marek)))"
    )
    report = _sync()
    assert "- marek@podpora.test (no longer in the directory)" in report
    assert not User.objects.get(email="marek@podpora.test").is_active
    # People who never came from the directory are left alone.
    adam.refresh_from_db()
    assert adam.is_active
    assert AuditEntry.objects.filter(
        kind=Kind.ROLE_CHANGED, target="marek@podpora.test", actor_email="ldap sync"
    ).exists()
