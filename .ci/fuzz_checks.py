"""Schemathesis hooks for `.ci/fuzz`: authentication, scratch objects, and the problem+json check.

Loaded through `SCHEMATHESIS_HOOKS` by `.ci/fuzz`, which starts the server, seeds it and exports:

  EARSHOT_FUZZ_URL             base URL of the running server
  EARSHOT_FUZZ_PLATFORM_TOKEN  the operator's platform token (for `POST /v1/orgs`)
  EARSHOT_FUZZ_EMAIL           the seeded org owner's email ...
  EARSHOT_FUZZ_PASSWORD        ... and password
  EARSHOT_FUZZ_ORG_ID          the seeded organization
  EARSHOT_FUZZ_WORKSPACE_ID    the seeded workspace (owned by that owner)
  EARSHOT_FUZZ_AGENT_EMAIL     a second member of that workspace (an agent)
  EARSHOT_FUZZ_PATH_<NAME>     the seeded id pinned to each path parameter <name>

What it does:

* Every request carries `Authorization: Bearer <owner access token>`; `POST /v1/orgs` carries
  the platform token. The token is fetched by logging in and renewed before it expires.
* `POST /v1/auth/logout` gets a token of its own (a fresh login per case), so the logouts the
  fuzzer sends never end the session that every other operation uses.
* Operations that would destroy what the rest of the run relies on (deleting the workspace,
  a channel, a contact, a team, an API key or a member, erasing a contact, transferring the
  workspace's ownership) are sent against a scratch object created for that very request,
  so they are fuzzed like the rest without emptying the seeded workspace. Merging and
  transferring ownership name a real object in every other body, so they also get past 404.
* The `problem_json` check: every response with status >= 400 is `application/problem+json`
  with a JSON object body holding a string `code` (and the rest of `Problem`: string `type`,
  `title` and `detail`, and `status` equal to the HTTP status).
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time

import requests

import schemathesis

BASE_URL = os.environ.get("EARSHOT_FUZZ_URL", "").rstrip("/")
PLATFORM_TOKEN = os.environ.get("EARSHOT_FUZZ_PLATFORM_TOKEN", "")
EMAIL = os.environ.get("EARSHOT_FUZZ_EMAIL", "")
PASSWORD = os.environ.get("EARSHOT_FUZZ_PASSWORD", "")
ORG_ID = os.environ.get("EARSHOT_FUZZ_ORG_ID", "")
WORKSPACE_ID = os.environ.get("EARSHOT_FUZZ_WORKSPACE_ID", "")

# Renew the owner's access token well inside its lifetime (EARSHOT_ACCESS_TOKEN_TTL_SECS, 900 by default).
TOKEN_MAX_AGE_SECS = 300

_http = requests.Session()
_http_lock = threading.Lock()
_counter = itertools.count(1)


def _api(method: str, path: str, token: str | None, body: dict | None = None) -> dict:
    """A request of the harness itself (not a fuzzed one); fails loudly when it does not succeed."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with _http_lock:
        response = _http.request(method, BASE_URL + path, json=body, headers=headers, timeout=30)
    if response.status_code >= 300:
        raise RuntimeError(f"fuzz harness: {method} {path} -> {response.status_code}: {response.text[:500]}")
    return response.json() if response.content else {}


def _login() -> str:
    return _api("POST", "/v1/auth/login", None, {"email": EMAIL, "password": PASSWORD})["access_token"]


class _OwnerToken:
    """The owner's access token, shared by every operation and renewed by age or after a 401."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token: str | None = None
        self._fetched_at = 0.0

    def get(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() - self._fetched_at > TOKEN_MAX_AGE_SECS:
                self._token = _login()
                self._fetched_at = time.monotonic()
            return self._token

    def check_alive(self) -> None:
        """Drop the token if the server no longer takes it (so a stray revocation cannot poison the run)."""
        with self._lock:
            token = self._token
        if token is None:
            return
        with _http_lock:
            response = _http.get(BASE_URL + "/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        if response.status_code == 401:
            with self._lock:
                if self._token == token:
                    self._token = None


OWNER = _OwnerToken()


# `refresh_interval=None`: schemathesis must not cache; `_OwnerToken` caches the shared token and
# logout cases get a token of their own.
@schemathesis.auth(refresh_interval=None)
class EarshotAuth:
    def get(self, case, context):
        operation = context.operation
        if operation.method.upper() == "POST" and operation.path == "/v1/orgs":
            return PLATFORM_TOKEN
        if operation.method.upper() == "POST" and operation.path == "/v1/auth/logout":
            # A fresh session per logout case: the fuzzer may end it freely.
            return _login()
        return OWNER.get()

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


# ---------------------------------------------------------------------------------------------
# Scratch objects for destructive operations


def _unique(prefix: str) -> str:
    return f"{prefix}-{os.getpid()}-{next(_counter)}-{int(time.time() * 1000) % 10_000_000}"


def _scratch_workspace() -> str:
    return _api("POST", f"/v1/orgs/{ORG_ID}/workspaces", OWNER.get(), {"name": _unique("scratch")})["id"]


def _ws(path: str) -> str:
    return f"/v1/workspaces/{WORKSPACE_ID}{path}"


def _scratch_channel() -> str:
    return _api("POST", _ws("/channels"), OWNER.get(), {"kind": "api", "name": _unique("scratch")})["id"]


def _scratch_contact() -> str:
    body = {
        "display_name": _unique("scratch"),
        "identities": [{"channel_kind": "api", "platform_user_id": _unique("scratch")}],
    }
    return _api("POST", _ws("/contacts"), OWNER.get(), body)["id"]


def _scratch_team() -> str:
    return _api("POST", _ws("/teams"), OWNER.get(), {"name": _unique("scratch")})["id"]


def _scratch_key() -> str:
    body = {"name": _unique("scratch"), "scopes": ["conversations:read"]}
    return _api("POST", _ws("/api-keys"), OWNER.get(), body)["key"]["id"]


def _scratch_member() -> str:
    body = {"email": _unique("scratch") + "@fuzz.test", "role": "agent"}
    return _api("POST", _ws("/members"), OWNER.get(), body)["member"]["user_id"]


# (method, path template) -> (path parameter, factory)
SCRATCH = {
    # The seeded workspace must outlive the run.
    ("DELETE", "/v1/workspaces/{workspace_id}"): ("workspace_id", _scratch_workspace),
    # Handing the seeded workspace to someone else would make its owner an admin.
    ("POST", "/v1/workspaces/{workspace_id}/transfer-ownership"): ("workspace_id", _scratch_workspace),
    ("DELETE", "/v1/workspaces/{workspace_id}/channels/{channel_id}"): ("channel_id", _scratch_channel),
    ("DELETE", "/v1/workspaces/{workspace_id}/contacts/{contact_id}"): ("contact_id", _scratch_contact),
    ("POST", "/v1/workspaces/{workspace_id}/contacts/{contact_id}/erase"): ("contact_id", _scratch_contact),
    ("DELETE", "/v1/workspaces/{workspace_id}/teams/{team_id}"): ("team_id", _scratch_team),
    ("DELETE", "/v1/workspaces/{workspace_id}/api-keys/{key_id}"): ("key_id", _scratch_key),
    ("DELETE", "/v1/workspaces/{workspace_id}/members/{user_id}"): ("user_id", _scratch_member),
    ("DELETE", "/v1/orgs/{org_id}/members/{user_id}"): ("user_id", _scratch_member),
}


def _agent_member_of(workspace_id: str) -> str:
    """Adds the seeded agent to a (scratch) workspace; their user id."""
    body = {"email": os.environ["EARSHOT_FUZZ_AGENT_EMAIL"], "role": "agent"}
    path = f"/v1/workspaces/{workspace_id}/members"
    return _api("POST", path, OWNER.get(), body)["member"]["user_id"]


# Bodies naming an object: a made-up id only ever reaches "not found", so every other case
# (when the fuzzer produced a string there) names a real one instead.
BODY_IDS = {
    # Merge a scratch contact into the seeded one.
    ("POST", "/v1/workspaces/{workspace_id}/contacts/{contact_id}/merge"): (
        "source_id",
        lambda case: _scratch_contact(),
    ),
    # Hand the scratch workspace (see SCRATCH) to the agent, made a member of it first.
    ("POST", "/v1/workspaces/{workspace_id}/transfer-ownership"): (
        "user_id",
        lambda case: _agent_member_of(case.path_parameters["workspace_id"]),
    ),
}
_alternate = itertools.count()


@schemathesis.hook
def before_call(context, case, kwargs):
    key = (case.operation.method.upper(), case.operation.path)
    entry = SCRATCH.get(key)
    if entry is not None:
        name, factory = entry
        parameters = case.path_parameters or {}
        # Only replace the seeded id the config pins; a value the fuzzer made up stays as it is.
        if parameters.get(name) == os.environ.get(f"EARSHOT_FUZZ_PATH_{name.upper()}"):
            parameters[name] = factory()
            case.path_parameters = parameters
    body_entry = BODY_IDS.get(key)
    if body_entry is not None:
        field, factory = body_entry
        body = case.body
        if isinstance(body, dict) and isinstance(body.get(field), str) and next(_alternate) % 2 == 0:
            body[field] = factory(case)


@schemathesis.hook
def after_call(context, case, response):
    # A 401 outside the auth endpoints means the shared token stopped working: re-check it so the
    # next case logs in again instead of failing for the harness's sake.
    if response.status_code == 401 and not case.operation.path.startswith("/v1/auth/"):
        OWNER.check_alive()


# ---------------------------------------------------------------------------------------------
# The check


@schemathesis.check
def problem_json(ctx, response, case):
    """Every error (status >= 400) is `application/problem+json` with a string `code`."""
    if response.status_code < 400:
        return None
    content_types = response.headers.get("content-type") or []
    content_type = content_types[0] if content_types else ""
    media_type = content_type.split(";", 1)[0].strip().lower()
    body = response.content or b""
    preview = body[:300].decode("utf-8", "replace")
    if media_type != "application/problem+json":
        raise AssertionError(
            f"{response.status_code} answered with Content-Type {content_type or '(none)'!r}, "
            f"not application/problem+json. Body: {preview!r}"
        )
    try:
        document = json.loads(body)
    except ValueError:
        raise AssertionError(f"{response.status_code} problem body is not JSON: {preview!r}") from None
    if not isinstance(document, dict) or not isinstance(document.get("code"), str):
        raise AssertionError(f"{response.status_code} problem body has no string `code`: {preview!r}")
    # The rest of the documented `Problem` shape (response_schema_conformance cannot check it
    # while the document declares errors as application/json).
    missing = [name for name in ("type", "title", "detail") if not isinstance(document.get(name), str)]
    if missing:
        raise AssertionError(f"{response.status_code} problem body lacks string {missing}: {preview!r}")
    if document.get("status") != response.status_code:
        raise AssertionError(f"{response.status_code} problem body says status {document.get('status')!r}: {preview!r}")
    return None
