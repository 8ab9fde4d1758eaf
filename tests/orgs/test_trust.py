"""What a donor checks on a profile: registration and finances with their sources, what verification checked and
when it lapses, and reported outcomes published only after the staff-set delay and rounded."""

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from orgs.models import FinanceYear, Organization, Outcome, protected_count
from tests import factories

pytestmark = pytest.mark.django_db


def test_evidence_shows_only_where_known_each_with_source_and_year(client):
    bare = factories.organization(name="Bare")
    text = client.get(bare.get_absolute_url()).text
    assert "Registration and finances" not in text and "Legal name" not in text

    report = factories.source(title="Annual report 2023", url="https://example.org/ar2023", own_statement=True)
    registry = factories.source(title="Charity register extract", date_text="4 March 2024")
    org = factories.organization(
        name="Known",
        legal_name="Known Aid Inc.",
        registration_country="United States",
        registration_number="12-3456789",
        registry_url="https://apps.irs.gov/app/eos/details/?ein=123456789",
        charitable_status="501(c)(3) public charity",
        charitable_status_country="the United States",
        founded_year=2004,
        city="Torrance, United States",
        leadership="A. Person (chief executive)",
        evidence_source=registry,
        evidence_year=2024,
    )
    FinanceYear.objects.create(
        organization=org, year=2023, currency="USD", income=1_234_567_00, programme_share=81, source=report
    )
    text = client.get(org.get_absolute_url()).text
    for shown in (
        "Known Aid Inc.",
        "12-3456789",
        'href="https://apps.irs.gov/app/eos/details/?ein=123456789"',
        "501(c)(3) public charity",
        "under the tax rules of the United States",
        "2004",
        "Torrance, United States",
        "A. Person (chief executive)",
        "Charity register extract",
        "as of 2024",
        "US$1,234,567.00",
        "81%",
        'href="https://example.org/ar2023"',
        "the organization's own statement",
    ):
        assert shown in text, shown
    assert "Street" not in text


def test_evidence_needs_its_source():
    from django.core.exceptions import ValidationError

    org = factories.organization(legal_name="No Source Inc.")
    with pytest.raises(ValidationError) as caught:
        org.full_clean()
    assert "evidence_source" in caught.value.message_dict


def test_verification_shows_what_was_checked_by_which_role_when_and_until(client, superuser):
    org = factories.organization(name="Checked")
    from orgs.services import organization_verify

    organization_verify(
        organizations=Organization.objects.filter(pk=org.pk),
        by=superuser,
        basis=Organization.VerificationBasis.BANK_ACCOUNT,
        reference="Stripe Connect account, payouts to the organization's own bank account",
        role=Organization.VerifierRole.FINANCE,
    )
    text = client.get(org.get_absolute_url()).text
    assert "Verified" in text and "Verification lapsed" not in text
    assert "Ownership of the bank account receiving gifts (Stripe Connect)" in text
    assert "The portal&#x27;s finance staff" in text
    assert superuser.username not in text  # a role, never a person's name
    assert "Lapses on" in text


def test_lapsed_verification_is_visible_to_donors(client, settings):
    long_ago = timezone.now() - timedelta(days=settings.VERIFICATION_VALID_DAYS + 3)
    org = factories.organization(
        name="Lapsed",
        verified_at=long_ago,
        verification_basis="registry",
        verification_reference="Register no. 7",
    )
    for url in (org.get_absolute_url(), "/"):
        assert "Verification lapsed" in client.get(url).text
    assert "not checked again since" in client.get(org.get_absolute_url()).text


@pytest.mark.parametrize(
    ("count", "shown"), [(0, None), (1, None), (9, None), (10, 10), (14, 10), (15, 20), (1234, 1230), (1235, 1240)]
)
def test_outcome_counts_are_rounded_and_small_ones_hidden(count, shown):
    assert protected_count(count) == shown


def test_outcomes_publish_only_after_the_staff_set_delay_and_rounded(client):
    org = factories.organization(name="Reporting")
    source = factories.source(title="Outcome report")
    today = timezone.localdate()
    Outcome.objects.create(organization=org, year=2024, label="people resettled", count=123, source=source)
    Outcome.objects.create(
        organization=org,
        year=2024,
        label="children cared for",
        count=7,
        source=source,
        publish_on=today + datetime.timedelta(days=1),
    )
    text = client.get(org.get_absolute_url()).text
    assert "people resettled" not in text and "children cared for" not in text  # no date set, date not reached
    Outcome.objects.filter(label="people resettled").update(publish_on=today)
    Outcome.objects.filter(label="children cared for").update(publish_on=today)
    factories.source()  # any directory write bumps the cache; queryset updates send no signal
    text = client.get(org.get_absolute_url()).text
    assert "people resettled" in text and "about 120" in text and "123" not in text
    assert "children cared for" in text and "fewer than 10" in text


def test_og_image_is_the_resized_logo(client, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    org = factories.organization(name="With Logo")
    assert 'property="og:image"' not in client.get(org.get_absolute_url()).text
    org.logo.save("logo.png", ContentFile(_png()), save=True)
    program = factories.program(organization=org, slug="p")
    for url in (org.get_absolute_url(), program.get_absolute_url()):
        text = client.get(url).text
        assert f'<meta property="og:image" content="http://127.0.0.1{org.logo.url}">' in text


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(buffer, "PNG")
    return buffer.getvalue()


def test_an_outcome_added_in_the_admin_shows_on_the_next_request(client, superuser_client):
    org = factories.organization(name="Reporting")
    source = factories.source(title="Outcome report")
    assert "people resettled" not in client.get(org.get_absolute_url()).text  # now cached
    response = superuser_client.post(
        "/admin/orgs/outcome/add/",
        {
            "organization": org.pk,
            "year": "2024",
            "label": "people resettled",
            "count": "57",
            "source": source.pk,
            "publish_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    text = client.get(org.get_absolute_url()).text
    assert "people resettled" in text and "about 60" in text


def test_a_finance_year_added_in_the_admin_shows_on_the_next_request(client, superuser_client):
    from tests.orgs.test_admin import _change_data

    org = factories.organization(name="Audited")
    source = factories.source(title="Audited accounts 2023")
    assert "Audited accounts 2023" not in client.get(org.get_absolute_url()).text
    data = _change_data(
        org,
        **{
            "finance_years-TOTAL_FORMS": "1",
            "finance_years-0-year": "2023",
            "finance_years-0-currency": "KRW",
            "finance_years-0-income": "250000000",
            "finance_years-0-programme_share": "78",
            "finance_years-0-source": source.pk,
        },
    )
    response = superuser_client.post(f"/admin/orgs/organization/{org.pk}/change/", data)
    assert response.status_code == 302
    text = client.get(org.get_absolute_url()).text
    assert "Audited accounts 2023" in text and "₩250,000,000" in text and "78%" in text


def test_evidence_texts_show_in_korean_where_given(client):
    source = factories.source(title="Register")
    org = factories.organization(
        name="Bilingual",
        charitable_status="registered charity",
        charitable_status_ko="등록 자선 단체",
        city="Seoul, South Korea",
        city_ko="대한민국 서울",
        leadership="A. Person (director)",
        evidence_source=source,
    )
    korean = client.get(org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ko").text
    assert "등록 자선 단체" in korean and "대한민국 서울" in korean
    assert "A. Person (director)" in korean  # no Korean version: the English shows
    english = client.get(org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").text
    assert "registered charity" in english and "등록 자선 단체" not in english
