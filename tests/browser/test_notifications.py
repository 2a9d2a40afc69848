"""Settings → Notifications from the receiving end: Alex enters an e-mail address, opens the
link the demo server wrote to its mail folder, and then gets an alert there when Priya asks
him to hold her rope. The page passes axe-core and fits a 360 px phone.
"""

import re
import secrets
import time
from collections.abc import Callable
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, Visit, more

pytestmark = pytest.mark.browser


def _mail_to(folder: Path, address: str, subject: str, timeout: float = 30) -> Message:
    """The e-mail to `address` with `subject` the demo server wrote, waiting for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.log")) if folder.exists() else []:
            # The file backend writes each message followed by a line of dashes.
            for raw in path.read_bytes().split(b"-" * 79):
                mail = message_from_bytes(raw.strip(), policy=default_policy)
                if mail["To"] == address and mail["Subject"] == subject:
                    return mail
        time.sleep(0.25)
    pytest.fail(f"no e-mail to {address} about {subject!r} in {folder}")


def _body(mail: Message) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_alex_confirms_an_e_mail_address_and_is_then_alerted_there(
    visit: Callable[..., Visit], server: str, server_data: Path
) -> None:
    address = f"alex-{secrets.token_hex(4)}@example.org"
    alex = visit(PHONE)
    alex.sign_in("alex")
    more(alex.page)
    alex.page.get_by_role("link", name="Settings").click()
    alex.page.get_by_role("link", name="Notifications: e-mail, devices, phone, quiet hours").click()
    expect(alex.page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    alex.check()

    alex.page.get_by_label("E-mail address").fill(address)
    alex.page.get_by_role("button", name="Send me a link").click()
    expect(alex.page.locator("#email-pending")).to_contain_text(address)
    expect(alex.page.locator("#email-now")).to_have_text("No confirmed e-mail address.")
    alex.check()

    mail = _mail_to(server_data / "mail", address, "Confirm your e-mail address for Ropeteam")
    found = re.search(r"http://\S+", _body(mail))
    assert found is not None
    link = found.group(0)
    # The link leads to the port the demo serves on, not 8000.
    assert link.startswith(f"{server}/settings/notifications/verify/?token=")
    alex.page.goto(link)
    alex.check()
    alex.page.get_by_role("button", name="Confirm this address").click()
    expect(alex.page.locator("#email-now")).to_contain_text(address)
    alex.check()

    priya = visit(DESKTOP)
    priya.sign_in("priya")
    priya.page.goto("/team/")
    priya.page.get_by_role("link", name="Manage Priya Shah").click()
    second = priya.page.get_by_label("2nd")
    second.select_option(label="Alex Novak")
    priya.page.get_by_role("button", name="Save rope holders").click()
    expect(priya.page.get_by_role("status")).to_contain_text("The rope holders are saved.")

    alert = _mail_to(server_data / "mail", address, "Priya Shah asked you to hold their rope")
    assert f"{server}/team/members/" in _body(alert)

    # Put back what the test changed: Priya's rope, and Alex's address.
    second.select_option(label="Nobody")
    priya.page.get_by_role("button", name="Save rope holders").click()
    expect(priya.page.get_by_role("status")).to_contain_text("The rope holders are saved.")
    alex.page.get_by_role("button", name="Stop e-mailing me").click()
    expect(alex.page.locator("#email-now")).to_have_text("No confirmed e-mail address.")
