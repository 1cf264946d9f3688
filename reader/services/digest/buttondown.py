"""Push a digest to Buttondown as a draft. It is never sent: the user sends it from Buttondown."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from reader.config import Settings
from reader.errors import ReaderError


class ButtondownError(ReaderError):
    """Buttondown refused the draft or could not be reached."""


@dataclass
class PushedDraft:
    id: str
    url: str | None = None


def push_draft(
    settings: Settings,
    subject: str,
    body: str,
    *,
    transport: httpx.BaseTransport | None = None,
) -> PushedDraft:
    """Create an email with status "draft" on Buttondown and return its id."""
    if not settings.buttondown_api_key:
        raise ButtondownError("no Buttondown API key: set buttondown_api_key in settings.json")
    base = settings.buttondown_base_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ButtondownError(f"buttondown_base_url must be an http(s) URL, not {base!r}")
    payload = {"subject": subject, "body": body, "status": "draft"}
    headers = {"Authorization": f"Token {settings.buttondown_api_key}"}
    try:
        with httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0), transport=transport) as client:
            response = client.post(f"{base}/emails", json=payload, headers=headers)
    except httpx.RequestError as exc:
        raise ButtondownError(f"cannot reach Buttondown at {base}: {exc}") from exc
    if response.status_code >= 400:
        raise ButtondownError(_describe_failure(response))
    try:
        data = response.json()
    except ValueError as exc:
        raise ButtondownError("Buttondown accepted the draft but its answer was not JSON") from exc
    draft_id = data.get("id") if isinstance(data, dict) else None
    if not draft_id:
        raise ButtondownError("Buttondown accepted the draft but returned no id")
    url = data.get("absolute_url") or data.get("url")
    return PushedDraft(id=str(draft_id), url=url if isinstance(url, str) else None)


def _describe_failure(response: httpx.Response) -> str:
    code = response.status_code
    if code in (401, 403):
        why = "the API key was refused"
    elif code == 429:
        why = "too many requests; try again later"
    elif code >= 500:
        why = "Buttondown had a server error; try again later"
    else:
        why = "the draft was rejected"
    detail = " ".join(response.text.split())[:200]
    return f"Buttondown answered HTTP {code}: {why}" + (f" ({detail})" if detail else "")
