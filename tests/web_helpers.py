"""The web app on a processed demo meeting (built without models), with one account per role, for route
tests."""

from __future__ import annotations

import re
import shutil
import sqlite3
from dataclasses import dataclass, replace
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


@pytest.fixture(scope="session")
def web_template(tmp_path_factory) -> tuple[Path, Built]:
    """The processed meeting and the accounts, built once per test process: each test gets a copy of this home
    (a few milliseconds, against half a second or more to migrate a database, store the meeting and hash three
    passwords)."""
    template = tmp_path_factory.mktemp("web-template") / "home"
    template.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MINUTES_HOME", str(template))
        mp.delenv("MINUTES_DB", raising=False)
        settings = load_settings()
        built = build(settings, demo_draft(flags=True, unsupported=True))
        ctx = Ctx.open(settings)
        for role, name in ACCOUNTS.items():
            users.add_user(ctx, name, role, PASSWORD, "test")
        ctx.close()
    return template, built


@pytest.fixture(name="web")
def web_fixture(home, web_template) -> Web:
    template, built = web_template
    shutil.copytree(template, home, dirs_exist_ok=True)  # modes kept: the store's files stay 0600
    ctx = Ctx.open(load_settings())
    yield Web(home, ctx, create_app(ctx), replace(built, audio=home / built.audio.relative_to(template)))
    ctx.close()
