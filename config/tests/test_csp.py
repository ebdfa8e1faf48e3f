"""The Content-Security-Policy: sent on every page, and the admin and the Swagger UI work under it
(checked in a real headless browser, whose console reports every violation)."""

import os

import pytest

pytestmark = pytest.mark.django_db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/", "/api/health/"])
def test_every_page_carries_a_strict_policy(client, path):
    policy = policy_of(client.get(path))
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy.get("style-src", [])
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_swagger_ui_page_has_no_inline_script(client):
    html = client.get("/api/docs/").content.decode()
    assert "<script>" not in html
    assert "<style>" not in html


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
def test_admin_and_swagger_ui_run_without_a_csp_violation(live_server, django_user_model):
    from playwright.sync_api import sync_playwright

    root = django_user_model.objects.create_superuser("root", "root@example.org", "a-long-admin-pass-1")
    violations: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on(
                "console",
                lambda message: (
                    violations.append(message.text)
                    if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
                    else None
                ),
            )
            page.goto(f"{live_server.url}/admin/login/?next=/admin/")
            page.fill("#id_username", "root")
            page.fill("#id_password", "a-long-admin-pass-1")
            page.click("input[type=submit]")
            page.wait_for_url(f"{live_server.url}/admin/")
            assert page.locator("#site-name").inner_text() == "Guildhall back office"
            # A change form (widgets, calendar, related-object links) and a change list (actions).
            page.goto(f"{live_server.url}/admin/auth/user/{root.pk}/change/")
            page.wait_for_load_state("networkidle")
            assert page.locator("#id_username").input_value() == "root"
            page.goto(f"{live_server.url}/admin/auth/user/")
            page.wait_for_load_state("networkidle")
            page.locator("#action-toggle").check()
            assert page.locator(".action-counter").inner_text().startswith("1 of 1")

            page.goto(f"{live_server.url}/api/docs/")
            page.wait_for_selector(".opblock", timeout=20_000)  # the operations, drawn from the schema
            assert page.locator(".opblock").count() > 10
            assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # the page's own CSS
        finally:
            browser.close()
    assert violations == []
