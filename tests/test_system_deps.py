""".ci/system-deps, the one owner of the system packages `make test` needs, run with PATH pointing at a directory
that holds only the tools each case allows (and fake `id`, `apt-get`, `sudo`): nothing is ever installed."""

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "system-deps"
BASH = shutil.which("bash")
# The real tools the script itself uses; everything else it looks for is absent or faked per test.
BASIC_TOOLS = ("bash", "grep", "env")
ALL = ("chromium", "gettext", "fonts-nanum", "wrk")

pytestmark = pytest.mark.slow  # each test runs .ci/system-deps (or make) in a subprocess


def _fake(bin_dir: Path, name: str, body: str) -> Path:
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def bin_dir(tmp_path):
    """A PATH directory with only the basic tools, and an `id` that says a normal user (uid 1000)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for tool in BASIC_TOOLS:
        (directory / tool).symlink_to(shutil.which(tool))
    _fake(directory, "id", 'if [ "$1" = -u ]; then echo 1000; else echo "uid=1000(user)"; fi')
    return directory


def _give(bin_dir: Path, *packages: str) -> None:
    """Make these packages look installed, as the script detects them."""
    for package in packages:
        if package == "chromium":
            _fake(bin_dir, "chromium", "exit 0")
        elif package == "gettext":
            _fake(bin_dir, "msgfmt", "exit 0")
        elif package == "wrk":
            _fake(bin_dir, "wrk", "exit 0")
        elif package == "fonts-nanum":
            _fake(
                bin_dir, "fc-list", 'echo "/usr/share/fonts/truetype/nanum/NanumGothic.ttf: NanumGothic:style=Regular"'
            )


def _run(bin_dir: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BASH, str(SCRIPT)],
        env={"PATH": str(bin_dir), "HOME": str(bin_dir.parent), "LANG": "C.UTF-8", **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _missing_line(result: subprocess.CompletedProcess) -> str:
    prefix = "System packages the test suite needs are missing: "
    lines = [line for line in result.stdout.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, result.stdout + result.stderr
    return lines[0].removeprefix(prefix)


def _recorder(bin_dir: Path, name: str, log: Path, then: str = "") -> None:
    """A fake command that writes its arguments, one call a line, into log."""
    _fake(bin_dir, name, f'echo "$*" >> "{log}"\n{then}')


def test_everything_present_is_silent_and_succeeds(bin_dir):
    _give(bin_dir, *ALL)
    result = _run(bin_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr == ""


def test_missing_chromium_without_root_or_sudo_names_it_and_prints_the_command(bin_dir):
    """The real PATH-based path: no chromium, no sudo, no apt-get, not root."""
    _give(bin_dir, "gettext", "fonts-nanum", "wrk")
    assert not (bin_dir / "chromium").exists()
    assert not (bin_dir / "sudo").exists()
    assert not (bin_dir / "apt-get").exists()

    result = _run(bin_dir)

    assert result.returncode != 0
    assert _missing_line(result) == "chromium"
    assert "Debian's Chromium" in result.stdout  # why it is needed
    assert "gettext" not in result.stdout
    assert "fonts-nanum" not in result.stdout
    assert "    sudo apt-get install -y chromium\n" in result.stderr
    assert "Installing" not in result.stdout


def test_everything_missing_names_all_four_and_no_fc_list_means_no_font(bin_dir):
    result = _run(bin_dir)
    assert result.returncode != 0
    assert _missing_line(result) == "chromium gettext fonts-nanum wrk"
    assert "    sudo apt-get install -y chromium gettext fonts-nanum wrk\n" in result.stderr


def test_fc_list_without_a_korean_font_counts_as_missing(bin_dir):
    _give(bin_dir, "chromium", "gettext", "wrk")
    _fake(bin_dir, "fc-list", 'echo "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf: DejaVu Sans:style=Book"')
    result = _run(bin_dir)
    assert result.returncode != 0
    assert _missing_line(result) == "fonts-nanum"
    assert "    sudo apt-get install -y fonts-nanum\n" in result.stderr


def test_sudo_that_needs_a_password_cannot_install(bin_dir, tmp_path):
    log = tmp_path / "calls.log"
    _recorder(bin_dir, "apt-get", log)
    _recorder(bin_dir, "sudo", log, then="exit 1")  # `sudo -n true` fails: a password would be asked
    _give(bin_dir, "gettext", "fonts-nanum", "wrk")
    result = _run(bin_dir)
    assert result.returncode != 0
    assert "sudo apt-get install -y chromium" in result.stderr
    assert log.read_text() == "-n true\n"  # only asked whether it could; apt-get never ran


def test_root_without_apt_get_cannot_install(bin_dir):
    _fake(bin_dir, "id", "echo 0")
    _give(bin_dir, "chromium", "fonts-nanum", "wrk")
    result = _run(bin_dir)
    assert result.returncode != 0
    assert _missing_line(result) == "gettext"
    assert "no apt-get" in result.stderr
    assert "sudo apt-get install -y gettext" in result.stderr


def test_no_install_override_only_reports_even_as_root(bin_dir, tmp_path):
    log = tmp_path / "apt-get.log"
    _fake(bin_dir, "id", "echo 0")
    _recorder(bin_dir, "apt-get", log)
    _give(bin_dir, "gettext", "fonts-nanum", "wrk")
    result = _run(bin_dir, SYSTEM_DEPS_NO_INSTALL="1")
    assert result.returncode != 0
    assert "sudo apt-get install -y chromium" in result.stderr
    assert not log.exists()


def test_as_root_it_installs_exactly_the_missing_packages(bin_dir, tmp_path):
    log = tmp_path / "apt-get.log"
    _fake(bin_dir, "id", "echo 0")
    # The fake apt-get "installs" chromium by creating a fake one on PATH.
    chromium = bin_dir / "chromium"
    install_chromium = (
        'if [ "$1" = install ]; then\n'
        f'  printf "#!/bin/sh\\n" > "{chromium}"\n'
        f'  {shutil.which("chmod")} +x "{chromium}"\n'
        "fi"
    )
    _recorder(bin_dir, "apt-get", log, then=install_chromium)
    _give(bin_dir, "gettext", "fonts-nanum", "wrk")

    result = _run(bin_dir)

    assert result.returncode == 0, result.stdout + result.stderr
    assert log.read_text().splitlines() == ["update -qq", "install -y -qq chromium"]
    assert "Installing chromium with apt-get" in result.stdout
    assert "sudo" not in result.stdout


def test_with_passwordless_sudo_it_installs_through_sudo(bin_dir, tmp_path):
    log = tmp_path / "calls.log"
    _recorder(bin_dir, "sudo", log, then='[ "$1" = -n ] && shift\n[ "$1" = true ] && exit 0\nexec "$@"')
    _recorder(bin_dir, "apt-get", log)  # installs nothing, so both stay missing afterwards
    _give(bin_dir, "chromium", "wrk")

    result = _run(bin_dir)

    assert log.read_text().splitlines() == [
        "-n true",
        "apt-get update -qq",
        "update -qq",
        "env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext fonts-nanum",
        "install -y -qq gettext fonts-nanum",
    ]
    assert "Installing gettext fonts-nanum with apt-get (through sudo)" in result.stdout
    # apt-get "succeeded" but nothing appeared: the re-check fails.
    assert result.returncode != 0
    assert "Still missing after apt-get: gettext fonts-nanum" in result.stderr


def test_make_test_checks_system_packages_and_make_run_does_not():
    """`make -n` prints the recipes without running them."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")

    def dry_run(target: str) -> str:
        env = {**os.environ, "MAKEFLAGS": ""}
        return subprocess.run(
            [make, "-n", target], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=30
        ).stdout

    assert ".ci/system-deps" in dry_run("test")
    assert ".ci/system-deps" not in dry_run("run")


def test_one_script_owns_the_package_list():
    for path in (ROOT / "Makefile", ROOT / ".ci" / "run"):
        text = path.read_text()
        assert ".ci/system-deps" in text, path
        assert "apt-get install" not in text, path
    assert os.access(SCRIPT, os.X_OK)
