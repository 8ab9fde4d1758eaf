import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok\n"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.slow  # a fresh interpreter
@pytest.mark.parametrize(
    "database_url",
    [
        "postgres://postgres@127.0.0.1:1/nothing-listens-here",  # a server that does not answer
        "sqlite:////nonexistent-directory/sub/db.sqlite3",  # a file that cannot be opened
    ],
)
def test_healthz_is_503_when_the_database_does_not_answer(database_url):
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup();"
        "from django.test import Client; r = Client(HTTP_HOST='127.0.0.1').get('/healthz');"
        "print(r.status_code, r.content.decode().strip())"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_DEBUG": "1", "DATABASE_URL": database_url, "DATABASE_CONNECT_TIMEOUT": "2"})
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "503 database unavailable", result.stderr[-2000:]
