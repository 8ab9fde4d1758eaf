"""The README's list of events to subscribe the endpoint to, and the HANDLERS table, name the same types."""

import re
from pathlib import Path

from donations.services.events import HANDLERS

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_event_types() -> set[str]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- webhook-events: start -->(.*?)<!-- webhook-events: end -->", text, re.DOTALL)
    assert block, "README.md lost its <!-- webhook-events: start/end --> list"
    return set(re.findall(r"^- `([a-z_.]+)`$", block.group(1), re.MULTILINE))


def test_readme_lists_every_handled_event_type_and_no_other():
    listed, handled = _readme_event_types(), set(HANDLERS)
    assert not handled - listed, (
        f"handled in donations/services/events.py HANDLERS but missing from README.md's webhook-events list "
        f"(a live endpoint would never receive them): {sorted(handled - listed)}"
    )
    assert not listed - handled, f"listed in README.md but not handled in HANDLERS: {sorted(listed - handled)}"
