"""Moving models between apps keeps every row: a database of the old layout migrates to the new one intact."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

# The layout before Membership moved from the directory (orgs) to accounts.
OLD_LAYOUT = [("orgs", "0001_initial"), ("donations", "0001_initial"), ("accounts", None)]


def _migrate(targets):
    """Migrate to `targets`; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state([target for target in targets if target[1] is not None]).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _fill_old_layout(apps) -> dict:
    user = apps.get_model("auth", "User").objects.create(username="member@example.org", email="member@example.org")
    organization = apps.get_model("orgs", "Organization").objects.create(
        name="Crossing Borders", slug="crossing-borders", summary="Refugee care.", published=True
    )
    membership = apps.get_model("orgs", "Membership").objects.create(
        user=user, organization=organization, role="manager"
    )
    pledge = apps.get_model("donations", "Pledge").objects.create(
        reference="MIGRATE2345",
        organization=organization,
        frequency="once",
        currency="USD",
        gift_amount=5000,
        fee_amount=0,
        amount=5000,
        donor_name="A donor",
        donor_email="donor@example.org",
        status="paid",
    )
    payment = apps.get_model("donations", "Payment").objects.create(
        pledge=pledge,
        organization=organization,
        stripe_id="pi_migrate",
        amount=5000,
        currency="USD",
        paid_at=datetime(2026, 1, 2, tzinfo=UTC),
    )
    return {"user": user.pk, "organization": organization.pk, "membership": membership.pk, "payment": payment.pk}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_old_layout_migrates_with_pledges_payments_and_members():
    latest = _latest()
    try:
        old = _migrate(OLD_LAYOUT)
        assert "accounts_membership" not in connection.introspection.table_names()
        ids = _fill_old_layout(old)

        new = _migrate(latest)
        tables = connection.introspection.table_names()
        assert "accounts_membership" in tables and "orgs_membership" not in tables
        membership = new.get_model("accounts", "Membership").objects.get()
        assert (membership.pk, membership.user_id, membership.organization_id, membership.role) == (
            ids["membership"],
            ids["user"],
            ids["organization"],
            "member",  # manager and viewer became one role (accounts 0003)
        )
        payment = new.get_model("donations", "Payment").objects.select_related("pledge").get()
        assert (payment.pk, payment.amount, payment.pledge.reference, payment.pledge.status) == (
            ids["payment"],
            5000,
            "MIGRATE2345",
            "paid",
        )
        # The moved table keeps its rules: one membership per person and organization.

        with pytest.raises(IntegrityError), transaction.atomic():
            new.get_model("accounts", "Membership").objects.create(
                user_id=ids["user"], organization_id=ids["organization"], role="member"
            )

        # And back: the old layout can be restored with the rows in place.
        back = _migrate(OLD_LAYOUT)
        assert back.get_model("orgs", "Membership").objects.get().pk == ids["membership"]
    finally:
        _migrate(latest)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_manager_and_viewer_memberships_become_members():
    latest = _latest()
    before = [("accounts", "0002_membership_table"), ("orgs", "0002_membership_to_accounts")]
    try:
        old = _migrate(before)
        users, organizations = old.get_model("auth", "User").objects, old.get_model("orgs", "Organization").objects
        organization = organizations.create(name="Crossing Borders", slug="crossing-borders", summary="Care.")
        for n, role in enumerate(["manager", "viewer"]):
            user = users.create(username=f"member{n}@example.org", email=f"member{n}@example.org")
            old.get_model("accounts", "Membership").objects.create(user=user, organization=organization, role=role)

        new = _migrate(latest)
        assert set(new.get_model("accounts", "Membership").objects.values_list("role", flat=True)) == {"member"}

        back = _migrate(before)
        assert set(back.get_model("accounts", "Membership").objects.values_list("role", flat=True)) == {"viewer"}
    finally:
        _migrate(latest)
