"""The audit log: what is written for each event class, who may read it,
filters, CSV export and retention."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from podpora.accounts.models import AgentRole
from podpora.audit import jobs, services
from podpora.audit.models import AuditEntry, Kind
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOG = reverse("audit:log")
EXPORT = reverse("audit:export")


def _login(client, email, password=PASSWORD, **extra):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, **extra
    )


def test_sign_ins_and_failures_are_logged_with_the_client_address(
    client, settings, tomasz
):
    settings.PODPORA_TRUSTED_PROXIES = ["10.0.0.1"]
    _login(client, tomasz.email, "wrong", REMOTE_ADDR="192.0.2.5")
    _login(client, "nobody@podpora.test", "wrong", REMOTE_ADDR="192.0.2.5")
    _login(
        client,
        tomasz.email,
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
        HTTP_USER_AGENT="Firefox",
    )
    failed, unknown = AuditEntry.objects.filter(kind=Kind.SIGN_IN_FAILED).order_by("id")
    assert (failed.actor, failed.address) == (tomasz, "192.0.2.5")
    assert (unknown.actor, unknown.actor_email) == (None, "nobody@podpora.test")
    signed_in = AuditEntry.objects.get(kind=Kind.SIGN_IN)
    assert signed_in.actor == tomasz
    assert signed_in.address == "198.51.100.9"  # behind the trusted proxy
    assert signed_in.user_agent == "Firefox"
    client.post(reverse("accounts:logout"))
    assert AuditEntry.objects.filter(kind=Kind.SIGN_OUT, actor=tomasz).exists()


def test_a_person_sees_their_sign_ins_and_can_end_another_session(client, tomasz):
    other = client.__class__()
    _login(other, tomasz.email, HTTP_USER_AGENT="Phone browser")
    _login(client, tomasz.email, "wrong", REMOTE_ADDR="203.0.113.4")
    _login(client, tomasz.email, HTTP_USER_AGENT="Desk browser")
    page = client.get(reverse("accounts:security"))
    assert page.status_code == 200
    assert "Phone browser" in page.text
    assert "203.0.113.4" in page.text  # the failed try
    phone = next(s for s in page.context["sessions"] if s.user_agent == "Phone browser")
    response = client.post(reverse("accounts:end_session", args=[phone.pk]))
    assert response.status_code == 302
    # The phone is signed out; this browser is not.
    assert other.get(reverse("accounts:profile")).status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert AuditEntry.objects.filter(kind=Kind.SESSION_ENDED, actor=tomasz).exists()


def test_nobody_ends_another_persons_session(client, tomasz, petra):
    other = client.__class__()
    _login(other, petra.email)
    _login(client, tomasz.email)
    from allauth.usersessions.models import UserSession

    petras = UserSession.objects.get(user=petra)
    response = client.post(reverse("accounts:end_session", args=[petras.pk]))
    assert response.status_code == 404
    assert other.get(reverse("accounts:profile")).status_code == 200


def test_a_role_change_in_the_admin_is_logged_with_before_and_after(
    client, alicja, tomasz
):
    client.force_login(alicja)
    response = client.post(
        reverse("admin:accounts_user_change", args=[tomasz.pk]),
        {
            "email": tomasz.email,
            "full_name": tomasz.full_name,
            "phone": "",
            "language": tomasz.language,
            "time_zone": tomasz.time_zone,
            "agent_role": AgentRole.SUPERVISOR,
            "availability": tomasz.availability,
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(kind=Kind.ROLE_CHANGED)
    assert entry.actor == alicja
    assert entry.target == tomasz.email
    assert entry.details == {"agent_role": ["agent", "supervisor"]}
    # The admin's own change record becomes a settings entry too.
    assert AuditEntry.objects.filter(
        kind=Kind.SETTINGS_CHANGED, target__startswith=f"user #{tomasz.pk}:"
    ).exists()


def test_only_administrators_read_the_log(client, alicja, sylwia, tomasz, anna):
    for person in (sylwia, tomasz, anna):
        client.force_login(person)
        assert client.get(LOG).status_code == 403
        assert client.post(EXPORT).status_code == 403
    client.logout()
    assert client.get(LOG).status_code == 302
    client.force_login(alicja)
    assert client.get(LOG).status_code == 200


def test_the_log_filters_by_person_kind_and_date(client, alicja, tomasz, petra):
    services.record(Kind.SIGN_IN, actor=tomasz)
    services.record(Kind.SIGN_IN_FAILED, actor=petra)
    services.record(Kind.SIGN_IN, actor=petra)
    client.force_login(alicja)
    by_person = client.get(LOG, {"person": "tomasz"}).context["page"]
    assert [e.actor for e in by_person] == [tomasz]
    by_kind = client.get(LOG, {"kind": Kind.SIGN_IN_FAILED}).context["page"]
    assert [e.actor for e in by_kind] == [petra]
    today = timezone.localdate().isoformat()
    assert len(client.get(LOG, {"since": today}).context["page"]) == 3
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert len(client.get(LOG, {"since": tomorrow}).context["page"]) == 0


def test_the_log_page_costs_the_same_queries_for_many_entries(
    client, alicja, tomasz, django_assert_max_num_queries
):
    for _ in range(40):
        services.record(Kind.SIGN_IN, actor=tomasz)
    client.force_login(alicja)
    with django_assert_max_num_queries(8):
        assert client.get(LOG).status_code == 200


def test_the_csv_export_is_safe_in_a_spreadsheet_and_is_itself_logged(client, alicja):
    services.record(Kind.SIGN_IN_FAILED, actor_email="=HYPERLINK(1)")
    client.force_login(alicja)
    page = client.get(LOG, {"kind": Kind.SIGN_IN_FAILED})
    assert f'name="kind" value="{Kind.SIGN_IN_FAILED}"' in page.text
    response = client.post(EXPORT, {"kind": Kind.SIGN_IN_FAILED})
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"] == "text/csv"
    assert "'=HYPERLINK(1)" in body
    assert "Failed sign-in" in body
    export = AuditEntry.objects.get(kind=Kind.EXPORT)
    assert export.actor == alicja
    assert export.details == {"kind": Kind.SIGN_IN_FAILED}


def test_entries_are_never_changed_nor_deleted_by_hand(tomasz):
    entry = services.record(Kind.SIGN_IN, actor=tomasz)
    entry.target = "edited"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.update(target="edited")


def test_the_daily_job_forgets_entries_past_the_retention(settings, tomasz):
    settings.PODPORA_AUDIT_RETENTION_DAYS = 30
    services.record(Kind.SIGN_IN, actor=tomasz)
    old = AuditEntry(
        kind=Kind.SIGN_IN,
        actor=tomasz,
        at=timezone.now() - timedelta(days=31),
    )
    old.save()
    jobs.forget_old_entries.enqueue()
    assert AuditEntry.objects.count() == 1
    assert not AuditEntry.objects.filter(pk=old.pk).exists()


def test_ending_this_session_signs_this_browser_out(client, tomasz):
    _login(client, tomasz.email)
    page = client.get(reverse("accounts:security"))
    (mine,) = page.context["sessions"]
    response = client.post(reverse("accounts:end_session", args=[mine.pk]))
    assert response["Location"] == reverse("accounts:login")
    assert client.get(reverse("accounts:profile")).status_code == 302
