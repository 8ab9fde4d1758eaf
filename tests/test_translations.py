"""The Korean translation: complete, compiled, and what a Korean reader actually gets.

The catalogue checks need GNU gettext (msgfmt, msgattrib, xgettext); `make system-deps` says how to install it.
"""

import gettext
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from tests import factories

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale" / "ko" / "LC_MESSAGES"
PO, MO = LOCALE_DIR / "django.po", LOCALE_DIR / "django.mo"
# The same ignores as the commands that maintain locale/ (then translate the new entries in django.po):
#   DJANGO_DEBUG=1 .venv/bin/python manage.py makemessages -l ko --no-obsolete --ignore=.venv --ignore=tests \
#       --ignore=bench --ignore="stripe_sandbox/*" --ignore=staticfiles --ignore=artifacts
#   DJANGO_DEBUG=1 .venv/bin/python manage.py compilemessages -l ko --ignore=.venv
MAKEMESSAGES_IGNORES = [".venv", "tests", "bench", "stripe_sandbox/*", "staticfiles", "artifacts"]
KOREAN = {"HTTP_ACCEPT_LANGUAGE": "ko"}


def _gettext_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"GNU gettext's {name} is missing: install it (sudo apt-get install gettext)")
    return path


def _msgids(po_text: str) -> list[str]:
    """The msgctxt/msgid of each entry of a .po text (written with --no-wrap), without the header."""
    found = []
    for block in po_text.strip().split("\n\n"):
        key = []
        for line in (line for line in block.splitlines() if not line.startswith("#")):
            if line.startswith(("msgid_plural", "msgstr")):
                break
            key.append(line)
        if key and key != ['msgid ""']:
            found.append(" ".join(key))
    return found


def _copy_sources(destination: Path) -> None:
    """What makemessages reads: the project's code, templates and current catalogue, not the sandbox."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("config", "common", "orgs", "donations", "reports", "accounts", "templates", "locale"):
        shutil.copytree(BASE_DIR / name, destination / name, ignore=skip)
    shutil.copy2(BASE_DIR / "manage.py", destination / "manage.py")


@pytest.mark.slow  # runs makemessages
def test_every_string_has_its_korean_translation(tmp_path):
    """Extract the strings afresh: a new or changed English string without its Korean fails here."""
    msgattrib = _gettext_tool("msgattrib")
    _gettext_tool("xgettext")
    _copy_sources(tmp_path)
    command = [sys.executable, "manage.py", "makemessages", "-l", "ko", "--no-obsolete"]
    command += [f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORES]
    result = subprocess.run(
        command,
        cwd=tmp_path,
        env={**os.environ, "DJANGO_DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    po = tmp_path / "locale" / "ko" / "LC_MESSAGES" / "django.po"
    problems = {}
    for kind, flag in (("untranslated", "--untranslated"), ("fuzzy", "--only-fuzzy")):
        found = subprocess.run(
            [msgattrib, flag, "--no-wrap", str(po)], capture_output=True, text=True, check=True, timeout=60
        ).stdout
        if _msgids(found):
            problems[kind] = _msgids(found)
    assert not problems, (
        "Strings without a finished Korean translation; run makemessages (see tests/test_translations.py), "
        "translate them in locale/ko/LC_MESSAGES/django.po, then compilemessages:\n"
        + "\n".join(f"{kind}: {msgid}" for kind, msgids in problems.items() for msgid in msgids)
    )


@pytest.mark.slow  # runs msgfmt
def test_the_committed_mo_is_compiled_from_the_committed_po(tmp_path):
    """The .mo the server reads says what the .po says (compared as catalogues, not as bytes)."""
    msgfmt = _gettext_tool("msgfmt")
    compiled = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check", "-o", str(compiled), str(PO)], check=True, timeout=60)
    with compiled.open("rb") as fresh, MO.open("rb") as committed:
        expected, actual = gettext.GNUTranslations(fresh)._catalog, gettext.GNUTranslations(committed)._catalog
    stale = sorted(str(key) for key in expected.keys() ^ actual.keys())
    stale += sorted(str(key) for key in expected.keys() & actual.keys() if expected[key] != actual[key])
    assert not stale, "locale/ko/LC_MESSAGES/django.mo is out of date; run compilemessages. Differs: " + ", ".join(
        stale[:20]
    )


@pytest.fixture
def korean_client() -> Client:
    return Client(HTTP_HOST="127.0.0.1", **KOREAN)


@pytest.fixture
def giving_org(db):
    organization = factories.giving_organization(name="Helping Hands Korea", slug="hhk", gift_currencies="USD,KRW")
    factories.program(organization=organization, name="Foster care")
    return organization


@pytest.mark.django_db
def test_directory_in_korean(korean_client, giving_org):
    page = korean_client.get("/").text
    assert '<html lang="ko"' in page
    assert "탈북 난민을 돕는 단체" in page and "단체 목록" in page and "단체 1곳" in page
    assert "Organizations helping North Korean refugees" not in page


@pytest.mark.django_db
def test_profile_and_give_form_in_korean_with_amounts_unchanged(korean_client, giving_org):
    page = korean_client.get(giving_org.get_absolute_url()).text
    assert '<html lang="ko"' in page
    assert "Helping Hands Korea 후원하기" in page
    assert "가장 필요한 곳" in page and "후원 내용 확인" in page and "후원 주기" in page
    assert "Helping Hands Korea에 제 이름과 이메일 공유하기" in page
    assert "₩30,000" in page and "US$" not in page  # a Korean page starts in won (tests/donations/test_won.py)
    assert "US$25.00" in korean_client.get(giving_org.get_absolute_url() + "?currency=USD").text


@pytest.mark.django_db
def test_give_form_errors_in_korean(korean_client, giving_org):
    response = korean_client.post("/donations/give/hhk/", {})
    assert response.status_code == 400
    page = response.text
    assert '<html lang="ko"' in page
    assert "아래 표시된 항목을 수정해 주십시오." in page
    assert "필수 항목입니다." in page  # Django's own Korean for "This field is required."
    assert "This field is required." not in page


@pytest.mark.django_db
def test_amount_errors_in_korean(korean_client, giving_org):
    data = {
        "currency": "KRW",
        "submission_key": "c" * 32,
        "frequency": "once",
        "amount_choice": "other",
        "other_amount": "100",
        "program": "",
        "donor_name": "Dana Donor",
        "donor_email": "dana@example.org",
    }
    page = korean_client.post("/donations/give/hhk/", data).text
    assert "최소 후원 금액은 ₩5,000입니다." in page


@pytest.mark.django_db
def test_sign_in_page_in_korean(korean_client):
    page = korean_client.get("/accounts/login/").text
    assert '<html lang="ko"' in page
    assert "단체 로그인" in page and "비밀번호를 잊으셨거나 초대를 받으셨습니까?" in page
    assert "Organization sign-in" not in page


@pytest.mark.django_db
def test_switching_language_keeps_the_same_urls(client, giving_org):
    assert '<html lang="en"' in client.get("/").text
    response = client.post("/i18n/setlang/", {"language": "ko", "next": giving_org.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == giving_org.get_absolute_url()
    for url in ("/", giving_org.get_absolute_url(), "/situation/", "/accounts/login/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="ko"' in response.text, url
    assert "Helping Hands Korea 후원하기" in client.get(giving_org.get_absolute_url()).text
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(giving_org.get_absolute_url()).text
    assert '<html lang="en"' in page and "Give to Helping Hands Korea" in page


@pytest.mark.django_db
def test_receipt_in_the_donors_language(giving_org):
    from donations.tasks import send_receipt

    pledge = factories.pledge(organization=giving_org, currency="KRW", gift_amount=50000, language="ko")
    payment = factories.payment(pledge=pledge, paid_at=datetime(2025, 3, 1, 12, tzinfo=UTC))
    assert send_receipt.call(payment_id=payment.pk)
    (message,) = mail.outbox
    assert message.subject == "영수증: Helping Hands Korea에 보내신 ₩50,000 후원"
    assert "Dana Donor 님께" in message.body and "가장 필요한 곳" in message.body
    assert "날짜: 2025년 3월 1일" in message.body and "금액: ₩50,000" in message.body


@pytest.mark.django_db
def test_reports_and_admin_in_korean(giving_org):
    staff = Client(HTTP_HOST="127.0.0.1", **KOREAN)
    factories.sign_in(staff, factories.staff(), verified=True)
    page = staff.get("/reports/hhk/", {"start": "2025-01-01", "end": "2025-03-31"}).text
    assert "Helping Hands Korea 후원 내역" in page
    assert "2025년 1월 1일부터 2025년 3월 31일까지." in page
    factories.pledge(organization=giving_org)
    page = staff.get("/admin/donations/pledge/").text
    assert "선택한 정기 후원 중단 (Stripe 구독을 취소합니다)" in page and "후원 약정" in page
