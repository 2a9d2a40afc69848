"""Turning on notifications from Settings: the browser subscribes and the server keeps it.

Headless Chromium has no push service to talk to, so PushManager.subscribe is replaced by
one that answers as a browser would: an endpoint (here a loopback URL, which the demo
accepts) and a real P-256 key and auth secret. Everything else is the real page and API.
"""

import base64
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Visit, more

pytestmark = pytest.mark.browser

FAKE_PUSH_SERVICE = """
PushManager.prototype.subscribe = async function (options) {
  window.subscribedWith = Array.from(new Uint8Array(options.applicationServerKey));
  window.userVisibleOnly = options.userVisibleOnly;
  const pair = await crypto.subtle.generateKey(
    { name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  const p256dh = await crypto.subtle.exportKey("raw", pair.publicKey);
  const auth = crypto.getRandomValues(new Uint8Array(16)).buffer;
  return {
    endpoint: "http://127.0.0.1:9/push/browser-test",
    getKey: (name) => (name === "p256dh" ? p256dh : auth),
  };
};
"""


def test_sam_turns_on_notifications_on_his_phone(visit: Callable[..., Visit]) -> None:
    tab = visit(PHONE)
    tab.page.context.add_init_script(FAKE_PUSH_SERVICE)
    tab.page.context.grant_permissions(["notifications"])
    tab.sign_in("sam")
    more(tab.page)
    tab.page.get_by_role("link", name="Settings").click()
    tab.check()
    posted = []
    tab.page.on(
        "request",
        lambda r: posted.append(r) if r.url.endswith("/api/v1/push/subscriptions") else None,
    )
    tab.page.get_by_role("button", name="Turn on notifications on this device").click()
    expect(tab.page.locator("#push-status")).to_have_text("Notifications are on for this device.")
    tab.check()

    key = tab.page.evaluate("fetch('/api/v1/push/key').then(r => r.json())")["public_key"]
    server_key = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert bytes(tab.page.evaluate("window.subscribedWith")) == server_key
    assert tab.page.evaluate("window.userVisibleOnly") is True
    assert posted[0].method == "POST"
    assert posted[0].post_data_json["endpoint"] == "http://127.0.0.1:9/push/browser-test"
