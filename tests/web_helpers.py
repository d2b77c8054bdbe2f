"""The web app on a processed demo meeting (built without models), with one account per role, for route
tests."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from processed_meeting import Built, build, demo_draft

from minutes.core.config import load_settings
from minutes.service import Ctx, users
from minutes.web.app import create_app

PASSWORD = "correct horse battery"
ACCOUNTS = {"clerk": "Clara Clerk", "reviewer": "Rhys Reviewer", "admin": "Ada Admin"}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Web:
    home: Path
    ctx: Ctx
    app: object
    built: Built

    def client(self, base_url: str = "http://testserver", raise_errors: bool = True) -> TestClient:
        return TestClient(
            self.app, base_url=base_url, follow_redirects=False, raise_server_exceptions=raise_errors
        )

    def login(self, role: str, base_url: str = "http://testserver") -> tuple[TestClient, str]:
        """A client signed in as the role's account, and its CSRF token."""
        client = self.client(base_url)
        response = sign_in(client, ACCOUNTS[role], PASSWORD)
        assert response.status_code == 303, response.text
        return client, csrf_of(client.get("/").text)

    def snapshot(self) -> list[str]:
        """Every row of every table, to check that a refused request changed nothing."""
        with sqlite3.connect(self.home / "minutes.db") as conn:
            return list(conn.iterdump())


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has a CSRF field"
    return match.group(1)


def sign_in(client: TestClient, name: str, password: str):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"csrf": token, "name": name, "password": password, "next": "/"})


@pytest.fixture(name="web")
def web_fixture(home) -> Web:
    settings = load_settings()
    built = build(settings, demo_draft(flags=True, unsupported=True))
    ctx = Ctx.open(settings)
    for role, name in ACCOUNTS.items():
        users.add_user(ctx, name, role, PASSWORD, "test")
    yield Web(home, ctx, create_app(ctx), built)
    ctx.close()
