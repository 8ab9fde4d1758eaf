"""Invitations: staff invite a member by email; the member sets a password, signs in and reads the reports."""

import pytest
from django.core import mail
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


def test_staff_invite_a_member_who_sets_a_password_and_reads_reports(superuser_client, org_a):
    page = superuser_client.get(f"/admin/orgs/organization/{org_a.pk}/change/")
    assert f"/admin/orgs/organization/{org_a.pk}/invite/" in page.text
    response = superuser_client.post(
        f"/admin/orgs/organization/{org_a.pk}/invite/", {"email": "New.Member@Example.org"}
    )
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == ["new.member@example.org"]
    reset_url = next(line for line in message.body.splitlines() if "/accounts/reset/" in line).strip()
    path = reset_url[reset_url.index("/accounts/") :]

    member = Client(HTTP_HOST="127.0.0.1")
    form_page = member.get(path, follow=True)
    assert form_page.status_code == 200 and "Choose a new password" in form_page.text
    done = member.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a long new passphrase 42", "new_password2": "a long new passphrase 42"},
    )
    assert done.status_code == 302
    assert member.login(username="new.member@example.org", password="a long new passphrase 42")
    assert member.get("/reports/alpha/").status_code == 200
    assert member.get("/admin/").status_code == 302


def test_invite_handles_taken_usernames_and_unsendable_email(superuser_client, org_a, settings):
    from django.contrib.auth import get_user_model

    factories.user(username="taken@example.org", email="someone-else@example.org")
    response = superuser_client.post(f"/admin/orgs/organization/{org_a.pk}/invite/", {"email": "Taken@Example.org"})
    assert response.status_code == 302
    invited = get_user_model().objects.get(email="taken@example.org")
    assert invited.username.startswith("member-") and not invited.has_usable_password()

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # nothing listens there
    response = superuser_client.post(
        f"/admin/orgs/organization/{org_a.pk}/invite/", {"email": "offline@example.org"}, follow=True
    )
    assert "the email could not be sent" in response.text
    assert get_user_model().objects.get(email="offline@example.org").memberships.count() == 1


def test_an_invited_member_can_ask_for_a_new_link_from_the_sign_in_page(superuser_client, org_a):
    superuser_client.post(f"/admin/orgs/organization/{org_a.pk}/invite/", {"email": "late@example.org"})
    mail.outbox.clear()
    Client(HTTP_HOST="127.0.0.1").post("/accounts/password_reset/", {"email": "late@example.org"})
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body
    mail.outbox.clear()
    stranger = factories.user(username="nobody", email="nopass@example.org")
    stranger.set_unusable_password()
    stranger.save()
    Client(HTTP_HOST="127.0.0.1").post("/accounts/password_reset/", {"email": "nopass@example.org"})
    assert mail.outbox == []  # no password and no membership: not an account the portal invited


def test_reinviting_a_member_changes_nothing_and_says_so(superuser_client, org_a, member_a):
    """Re-inviting used to overwrite the member's role silently; now it keeps the membership and says so."""
    membership = member_a.memberships.get()
    response = superuser_client.post(
        f"/admin/orgs/organization/{org_a.pk}/invite/", {"email": member_a.email.upper()}, follow=True
    )
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert f"{member_a.email} was already a member of Alpha Aid; their membership is unchanged." in shown
    assert f"A new link to set a password was emailed to {member_a.email}." in shown
    assert not any("is a member now" in message for message in shown)
    assert list(member_a.memberships.values_list("pk", "role", "created_at")) == [
        (membership.pk, membership.role, membership.created_at)
    ]
    assert [message.to for message in mail.outbox] == [[member_a.email]]


def test_members_read_reports_and_managers_also_post_updates(superuser_client, org_a, member_a):
    """A role grants a power: "member" reads reports; "manager" also posts updates. Staff set it on the member's row;
    an invitation makes a member (the least power)."""
    from accounts.models import Membership

    assert Membership.Role.values == ["member", "manager"]
    assert member_a.memberships.get().role == "member"
    invite = superuser_client.get(f"/admin/orgs/organization/{org_a.pk}/invite/")
    assert invite.status_code == 200 and list(invite.context["form"].fields) == ["email"]
    assert "Managers and viewers" not in invite.text
    change = superuser_client.get(f"/admin/orgs/organization/{org_a.pk}/change/")
    assert 'name="memberships-0-role"' in change.text and member_a.username in change.text


def test_the_invitation_email_says_who_invites_to_what_and_until_when(superuser_client, org_a, settings):
    """Not the generic password-reset text (it read like phishing): organization, inviter, purpose, expiry."""
    settings.PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
    superuser_client.post(f"/admin/orgs/organization/{org_a.pk}/invite/", {"email": "new@example.org"})
    (invitation,) = mail.outbox
    assert invitation.subject == "Invitation to read Alpha Aid's gift reports on the Refugee Aid Portal"
    body = " ".join(invitation.body.split())
    assert "The staff of the Refugee Aid Portal have made you a member of Alpha Aid on the portal." in body
    assert "The account is for reading Alpha Aid's gift reports" in body
    assert "The link works once and expires in 3 days (" in body and "UTC)" in body
    assert "/accounts/reset/" in body and "/accounts/password_reset/" in body
    assert "asked to set a password" not in body  # the password-reset email's wording

    mail.outbox.clear()  # a reset asked for on the sign-in page is still the password-reset email
    Client(HTTP_HOST="127.0.0.1").post("/accounts/password_reset/", {"email": "new@example.org"})
    (reset,) = mail.outbox
    assert "asked to set a password" in reset.body and "Alpha Aid" not in reset.body


def test_the_invitation_email_is_in_korean_for_korean_staff(superuser, org_a):
    staff = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="ko")
    factories.sign_in(staff, superuser, verified=True)
    staff.post(f"/admin/orgs/organization/{org_a.pk}/invite/", {"email": "new@example.org"})
    (invitation,) = mail.outbox
    assert "Alpha Aid" in invitation.subject and "Invitation" not in invitation.subject
    assert "3일" in invitation.body and "gift reports" not in invitation.body
