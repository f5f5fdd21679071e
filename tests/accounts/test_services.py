import pytest

from podpora.accounts.errors import AccountError
from podpora.accounts.models import AgentRole, Membership, MembershipRole, User
from podpora.accounts.services import (
    add_member,
    create_agent,
    get_or_create_customer,
    managed_organization_ids,
    organization_for_email,
    primary_organization,
)

pytestmark = pytest.mark.django_db


def test_a_new_sender_from_an_organisations_domain_becomes_its_member(org_a):
    user, created = get_or_create_customer(
        "  Marek.Lis@KOWALSKI.pl ",
        full_name=" Marek Lis ",
        phone="+48 600 100 200",
        language="pl",
    )
    assert created
    assert user.email == "marek.lis@kowalski.pl"
    assert (user.full_name, user.phone, user.language) == (
        "Marek Lis",
        "+48 600 100 200",
        "pl",
    )
    assert user.is_customer
    membership = Membership.objects.get(user=user)
    assert membership.organization == org_a
    assert membership.role == MembershipRole.MEMBER


def test_domains_map_each_sender_to_their_own_organisation(org_a, org_b):
    pole, _ = get_or_create_customer("ola@kowalski.pl")
    czech, _ = get_or_create_customer("jiri@novak.cz")
    assert primary_organization(pole) == org_a
    assert primary_organization(czech) == org_b


def test_a_sender_from_an_unknown_domain_belongs_to_no_organisation(org_a):
    user, created = get_or_create_customer("someone@gmail.com")
    assert created
    assert not Membership.objects.filter(user=user).exists()
    assert primary_organization(user) is None


def test_a_subdomain_is_not_taken_for_the_organisations_domain(org_a):
    user, _ = get_or_create_customer("jan@mail.kowalski.pl")
    assert primary_organization(user) is None


def test_an_inactive_organisation_takes_no_new_members(org_a):
    org_a.is_active = False
    org_a.save()
    user, _ = get_or_create_customer("new@kowalski.pl")
    assert organization_for_email("new@kowalski.pl") is None
    assert not Membership.objects.filter(user=user).exists()


def test_a_known_address_in_any_case_is_the_same_person(adam):
    user, created = get_or_create_customer("ADAM@Kowalski.PL", full_name="Other")
    assert not created
    assert user == adam
    assert user.full_name == "Adam Nowak"
    assert Membership.objects.filter(user=adam).count() == 1


@pytest.mark.parametrize(
    "address",
    [
        "",
        "   ",
        "no-at-sign",
        "@kowalski.pl",
        "anna@",
        "anna@@kowalski.pl",
        "anna kowalska@kowalski.pl",
        "anna@kowalski",
        "<script>@x.pl",
    ],
)
def test_a_bad_address_is_a_clear_error_and_creates_nobody(org_a, address):
    with pytest.raises(AccountError) as error:
        get_or_create_customer(address)
    assert error.value.code == "invalid_email"
    assert error.value.message.startswith("Not an e-mail address")
    assert not User.objects.exists()


def test_an_agent_gets_a_role_and_an_unknown_role_is_refused(db):
    agent = create_agent("nowy@podpora.test", full_name="Nowy Agent")
    assert agent.agent_role == AgentRole.AGENT
    assert agent.is_agent
    with pytest.raises(AccountError) as error:
        create_agent("zly@podpora.test", full_name="Zły", role="boss")
    assert error.value.code == "invalid_role"
    assert not User.objects.filter(email="zly@podpora.test").exists()


def test_making_a_member_a_manager_changes_what_they_manage(org_a, adam):
    assert managed_organization_ids(adam) == []
    add_member(adam, org_a, role=MembershipRole.MANAGER)
    assert managed_organization_ids(adam) == [org_a.pk]
    assert Membership.objects.filter(user=adam).count() == 1


def test_a_new_agent_starts_available(db):
    agent = create_agent("nowy@podpora.test", full_name="Nowy Agent")
    assert agent.availability == "available"
    admin = User.objects.create_superuser("szef@podpora.test", "haslo-dlugie-123")
    assert admin.availability == "available"
