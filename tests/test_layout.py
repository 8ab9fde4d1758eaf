"""The layout's arrows point one way: a module importing against them fails here (README: How the code is laid out).

Every import in every module counts, the ones inside functions too, so a lazy import cannot hide an arrow.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Which of the portal's packages each package may import. Anything not named here is off limits.
MAY_IMPORT: dict[str, set[str]] = {
    "common": set(),
    "orgs": {"common"},
    "donations": {"common", "orgs"},
    "reports": {"common", "orgs", "donations"},
    "accounts": {"common", "orgs"},
    "config": {"common", "orgs", "donations", "reports", "accounts"},
    "stripe_sandbox": {"common"},  # a development tool: only the shared test-mode secret
}
PACKAGES = set(MAY_IMPORT)
# The one module of the product that may start the sandbox: the development server command.
SANDBOX_STARTERS = {"donations/management/commands/devserver.py"}


def imported_packages(path: Path) -> set[str]:
    """The portal's top-level packages a module imports (absolute imports; relative ones stay inside)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & (PACKAGES | {"stripe_sandbox"})


def wrong_way_imports(root: Path) -> list[str]:
    """Every import in the tree under `root` that runs against MAY_IMPORT, as 'module -> package'."""
    problems = []
    for package, allowed in MAY_IMPORT.items():
        for path in sorted((root / package).rglob("*.py")):
            module = path.relative_to(root).as_posix()
            permitted = allowed | {package} | ({"stripe_sandbox"} if module in SANDBOX_STARTERS else set())
            problems += [f"{module} -> {name}" for name in sorted(imported_packages(path) - permitted)]
    return problems


def test_every_import_follows_the_layout():
    assert wrong_way_imports(ROOT) == []


def test_every_package_is_in_the_layout():
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert packages - {"tests"} == PACKAGES


@pytest.mark.parametrize(
    ("module", "line", "expected"),
    [
        ("orgs/views.py", "from donations.forms import GiveForm", "orgs/views.py -> donations"),
        ("orgs/models.py", "    from reports import selectors", "orgs/models.py -> reports"),
        ("donations/admin.py", "import reports.views", "donations/admin.py -> reports"),
        ("donations/views.py", "from stripe_sandbox import SandboxServer", "donations/views.py -> stripe_sandbox"),
        ("common/money.py", "from orgs.models import Organization", "common/money.py -> orgs"),
        ("stripe_sandbox/api.py", "from donations import models", "stripe_sandbox/api.py -> donations"),
    ],
)
def test_a_planted_wrong_way_import_fails(tmp_path, module, line, expected):
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            copy = tmp_path / path.relative_to(ROOT)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert wrong_way_imports(tmp_path) == []
    planted = tmp_path / module
    indented = line.startswith(" ")
    planted.write_text(
        planted.read_text(encoding="utf-8") + ("\n\ndef _planted():\n" if indented else "\n") + line + "\n",
        encoding="utf-8",
    )
    assert wrong_way_imports(tmp_path) == [expected]


def test_the_devserver_alone_may_start_the_sandbox(tmp_path):
    starter = tmp_path / "donations/management/commands/devserver.py"
    starter.parent.mkdir(parents=True)
    starter.write_text("from stripe_sandbox import SandboxServer\n", encoding="utf-8")
    other = tmp_path / "donations/management/commands/reconcile_stripe.py"
    other.write_text("from stripe_sandbox import SandboxServer\n", encoding="utf-8")
    assert wrong_way_imports(tmp_path) == ["donations/management/commands/reconcile_stripe.py -> stripe_sandbox"]
