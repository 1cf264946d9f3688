"""A small client for any OpenAI-compatible chat-completions endpoint (optional, off by default).

Used to polish digest lines and, if the themes work wants it, to name themes. Every failure
(no connection, timeout, an HTTP error, a malformed answer) raises `LLMError` so callers can
fall back to what they would have written without a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from reader.config import Settings
from reader.errors import ReaderError


class LLMError(ReaderError):
    """The language model could not answer: unreachable, too slow, refused or garbled."""


@dataclass
class ChatMessage:
    role: str  # system | user | assistant
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


class ChatClient:
    """POSTs to `{base_url}/chat/completions` and returns the first choice's text."""

    def __init__(
        self,
        base_url: str,
        api_key: str = "",
        model: str = "gpt-4o-mini",
        timeout: float = 30.0,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise LLMError(f"llm_base_url must be an http(s) URL, not {base_url!r}")
        headers = {"Content-Type": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.model = model
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, transport: httpx.BaseTransport | None = None
    ) -> ChatClient | None:
        """A client for the configured endpoint, or None when no endpoint is set."""
        if not settings.llm_base_url:
            return None
        return cls(
            settings.llm_base_url,
            settings.llm_api_key,
            settings.llm_model,
            settings.llm_timeout,
            transport=transport,
        )

    def complete(
        self,
        messages: list[ChatMessage],
        *,
        temperature: float = 0.3,
        max_tokens: int = 300,
    ) -> str:
        """The model's reply to `messages`, stripped; LLMError on any failure."""
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": [m.as_dict() for m in messages],
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        try:
            response = self._client.post("chat/completions", json=payload)
            response.raise_for_status()
            data = response.json()
        except httpx.TimeoutException as exc:
            raise LLMError(f"the language model timed out ({type(exc).__name__})") from exc
        except httpx.HTTPStatusError as exc:
            raise LLMError(
                f"the language model answered HTTP {exc.response.status_code}: "
                f"{_short(exc.response.text)}"
            ) from exc
        except httpx.RequestError as exc:
            raise LLMError(f"cannot reach the language model: {exc}") from exc
        except ValueError as exc:  # JSON decoding
            raise LLMError("the language model's answer was not JSON") from exc
        return _first_choice(data)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _first_choice(data: Any) -> str:
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise LLMError("the language model's answer had no choices[0].message.content") from exc
    if not isinstance(content, str) or not content.strip():
        raise LLMError("the language model's answer was empty")
    return content.strip()


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
