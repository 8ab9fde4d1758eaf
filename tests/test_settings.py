"""Settings from the environment, production refusals and checks, run in fresh interpreters."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from common.test_mode import SANDBOX_WEBHOOK_SECRET
from config.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k9Jx2LmQw8Rt5Yp0Zs7Vb3Nc6Hd1Fg4Ae-production-like-secret-value",
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
    "STRIPE_WEBHOOK_SECRET": "whsec_production_endpoint_own_secret",  # a real deployment's own
}


def _run(args: list[str], env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.slow  # a fresh interpreter
def test_production_refuses_to_start_without_a_secret_key():
    result = _run(["manage.py", "check"], {"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.slow  # a fresh interpreter
def test_production_refuses_a_short_or_development_secret_key():
    result = _run(["manage.py", "check"], {**PRODUCTION, "DJANGO_SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.slow  # a fresh interpreter
def test_check_deploy_is_clean_in_production(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "REDIS_URL": "redis://127.0.0.1:6379/0"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.slow  # a fresh interpreter
def test_check_deploy_warns_when_the_rate_limits_have_no_shared_cache(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
    )
    assert result.returncode != 0
    assert "donations.W001" in result.stderr + result.stdout and "REDIS_URL is not set" in result.stderr


@pytest.mark.slow  # a fresh interpreter
def test_development_mode_starts_without_any_setting(tmp_path):
    result = _run(["manage.py", "check"], {"DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert result.returncode == 0, result.stderr


def _setting(expression: str, env: dict[str, str]) -> str:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup(); "
        f"from django.conf import settings; print({expression})"
    )
    result = _run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.slow  # a fresh interpreter
def test_database_url_and_redis_url_switch_backends():
    env = {**PRODUCTION, "DATABASE_URL": "postgres://u@db.example:5432/portal", "REDIS_URL": "redis://127.0.0.1:6379/1"}
    assert _setting("settings.DATABASES['default']['ENGINE']", env) == "django.db.backends.postgresql"
    assert _setting("settings.CACHES['default']['BACKEND']", env) == "django.core.cache.backends.redis.RedisCache"
    assert _setting("settings.CACHES['default']['BACKEND']", {"DJANGO_DEBUG": "1"}).endswith("LocMemCache")


@pytest.mark.slow  # a fresh interpreter
def test_production_serves_hashed_compressed_static_files(tmp_path):
    static_root = tmp_path / "static"
    result = _run(
        ["manage.py", "collectstatic", "--noinput", "-v0"],
        {**PRODUCTION, "DJANGO_STATIC_ROOT": str(static_root), "DATABASE_URL": f"sqlite:///{tmp_path / 'db'}"},
    )
    assert result.returncode == 0, result.stderr
    hashed = list((static_root / "vendor" / "bootstrap").glob("bootstrap.min.*.css"))
    assert hashed, "no content-hashed Bootstrap stylesheet"
    assert Path(f"{hashed[0]}.gz").exists()
    assert (static_root / "staticfiles.json").exists()


def test_templates_reference_no_cdn():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for marker in (
            "cdn.",
            "googleapis",
            "unpkg",
            "jsdelivr",
            '<script src="http',
            '<link rel="stylesheet" href="http',
        ):
            assert marker not in text, f"{template} loads {marker}"


@pytest.mark.parametrize("value", ["maybe", "2", "Tru"])
def test_env_bool_rejects_unclear_values(monkeypatch, value):
    monkeypatch.setenv("X_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_env_helpers_read_values(monkeypatch):
    monkeypatch.setenv("X_FLAG", "off")
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_LIST", "a.org, b.org,,")
    assert env_bool("X_FLAG", True) is False
    assert env_int("X_INT", 0) == 12
    assert env_list("X_LIST", []) == ["a.org", "b.org"]
    monkeypatch.setenv("X_INT", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 0)


@pytest.mark.slow  # a fresh interpreter
def test_live_stripe_key_switches_the_sandbox_off_and_needs_the_webhook_secret():
    live = {k: v for k, v in PRODUCTION.items() if k != "STRIPE_WEBHOOK_SECRET"} | {
        "STRIPE_SECRET_KEY": "sk_live_example"
    }
    result = _run(["manage.py", "check"], live)
    assert result.returncode != 0 and "STRIPE_WEBHOOK_SECRET must be set" in result.stderr
    live["STRIPE_WEBHOOK_SECRET"] = "whsec_live_example"
    assert _setting("(settings.STRIPE_SANDBOX, settings.STRIPE_API_BASE)", live) == "(False, '')"
    sandbox = _setting("(settings.STRIPE_SANDBOX, settings.STRIPE_API_BASE)", {"DJANGO_DEBUG": "1"})
    assert sandbox == "(True, 'http://127.0.0.1:12111')"


@pytest.mark.slow  # a fresh interpreter
@pytest.mark.parametrize("secret", [None, "", SANDBOX_WEBHOOK_SECRET])
def test_production_refuses_to_start_without_its_own_webhook_secret(secret):
    env = {k: v for k, v in PRODUCTION.items() if k != "STRIPE_WEBHOOK_SECRET"}
    if secret is not None:
        env["STRIPE_WEBHOOK_SECRET"] = secret
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "STRIPE_WEBHOOK_SECRET must be set to the webhook endpoint's own signing secret" in result.stderr


@pytest.mark.slow  # a fresh interpreter
def test_check_deploy_says_the_development_webhook_secret_is_public(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy"],
        {"DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
    )
    assert "donations.E001" in result.stdout + result.stderr
    assert "STRIPE_WEBHOOK_SECRET is the public development secret" in result.stdout + result.stderr


def test_deploy_check_accepts_only_the_endpoints_own_secret(settings):
    from donations.checks import check_webhook_secret

    for public in ("", SANDBOX_WEBHOOK_SECRET):
        settings.STRIPE_WEBHOOK_SECRET = public
        assert [m.id for m in check_webhook_secret()] == ["donations.E001"]
    settings.STRIPE_WEBHOOK_SECRET = "whsec_endpoint_own"
    assert check_webhook_secret() == []
