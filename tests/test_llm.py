"""The chat-completions client and the digest polish, against a real server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from reader.config import Settings
from reader.services.digest.polish import polish_items
from reader.services.llm import ChatClient, ChatMessage, LLMError

# A route answers (status, body); body is JSON-encoded unless it is bytes.
Route = Callable[[dict[str, Any]], tuple[int, Any]]


class JsonServer:
    """A tiny HTTP server that records JSON POSTs and answers from per-path routes."""

    __test__ = False

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self.release = threading.Event()  # a route may wait on this to hold a client
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def do_POST(self) -> None:  # noqa: N802
        owner: JsonServer = self.server.owner  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            payload = {"_raw": raw.decode("utf-8", "replace")}
        owner.requests.append((self.path, dict(self.headers), payload))
        route = owner.routes.get(self.path)
        status, body = route(payload) if route else (404, {"detail": "no such route"})
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
            pass


@pytest.fixture
def json_server() -> Iterator[JsonServer]:
    server = JsonServer()
    server.thread.start()
    yield server
    server.stop()


def chat_reply(text: str) -> Route:
    """A route that answers like an OpenAI-compatible chat endpoint."""

    def route(payload: dict[str, Any]) -> tuple[int, Any]:
        return 200, {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": payload.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
        }

    return route


def test_client_sends_the_chat_completions_contract(json_server: JsonServer):
    json_server.routes["/v1/chat/completions"] = chat_reply("  Hello there.  ")
    settings = Settings(
        llm_base_url=json_server.url("/v1"), llm_api_key="sk-test", llm_model="tiny-model"
    )
    with ChatClient.from_settings(settings) as client:
        reply = client.complete([ChatMessage("system", "Be brief."), ChatMessage("user", "Hi")])
    assert reply == "Hello there."
    path, headers, payload = json_server.requests[0]
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == "Bearer sk-test"
    assert payload["model"] == "tiny-model"
    assert payload["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]


def test_no_base_url_means_no_client():
    assert ChatClient.from_settings(Settings()) is None
    with pytest.raises(LLMError, match="http"):
        ChatClient("ftp://example.org/v1")


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (500, {"error": "boom"}, "HTTP 500"),
        (401, {"error": {"message": "bad key"}}, "HTTP 401"),
        (200, b"not json at all", "not JSON"),
        (200, {"choices": []}, "choices"),
        (200, {"choices": [{"message": {"content": "   "}}]}, "empty"),
    ],
)
def test_client_failures_raise_llm_error(json_server: JsonServer, status, body, message):
    json_server.routes["/v1/chat/completions"] = lambda _p: (status, body)
    with ChatClient(json_server.url("/v1")) as client, pytest.raises(LLMError, match=message):
        client.complete([ChatMessage("user", "Hi")])


def test_client_timeout_raises_llm_error(json_server: JsonServer):
    def held(_payload):
        json_server.release.wait(10)
        return chat_reply("too late")(_payload)

    json_server.routes["/v1/chat/completions"] = held
    client = ChatClient(json_server.url("/v1"), timeout=0.2)
    with client, pytest.raises(LLMError, match="timed out"):
        client.complete([ChatMessage("user", "Hi")])
    json_server.release.set()


def test_unreachable_endpoint_raises_llm_error(json_server: JsonServer):
    url = json_server.url("/v1")
    json_server.stop()
    with ChatClient(url, timeout=2) as client, pytest.raises(LLMError, match="cannot reach"):
        client.complete([ChatMessage("user", "Hi")])


def _items() -> list[dict[str, Any]]:
    return [
        {
            "title": "Rivers come back",
            "source": "Example Post",
            "notes": ["Hopeful, for once."],
            "highlights": [],
            "summary": ["Urban rivers are cleaner."],
            "line": None,
        },
        {
            "title": "Kilns",
            "source": "",
            "notes": [],
            "highlights": ["Heat is patience."],
            "summary": [],
            "line": None,
        },
        {
            "title": "No text",
            "source": "",
            "notes": [],
            "highlights": [],
            "summary": [],
            "line": None,
        },
    ]


def test_polish_rewrites_lines_from_notes_and_sentences(json_server: JsonServer):
    json_server.routes["/v1/chat/completions"] = chat_reply('"I loved this one."')
    items = _items()
    with ChatClient(json_server.url("/v1")) as client:
        notes = polish_items(items, client, author="Ada")
    assert notes == []
    assert [i["line"] for i in items] == ["I loved this one.", "I loved this one.", None]
    prompt = json_server.requests[0][2]["messages"][1]["content"]
    assert "Hopeful, for once." in prompt and "Urban rivers are cleaner." in prompt
    assert len(json_server.requests) == 2  # the item with nothing to say is not sent


def test_polish_failure_keeps_extracts_and_says_so(json_server: JsonServer):
    json_server.routes["/v1/chat/completions"] = lambda _p: (503, {"error": "overloaded"})
    items = _items()
    with ChatClient(json_server.url("/v1")) as client:
        notes = polish_items(items, client)
    assert all(i["line"] is None for i in items)
    assert len(notes) == 1 and "HTTP 503" in notes[0] and "kept the extracted text" in notes[0]
    assert len(json_server.requests) == 1  # it stops at the first failure


def test_polish_rejects_unusable_answers(json_server: JsonServer):
    json_server.routes["/v1/chat/completions"] = chat_reply("x" * 5000)
    items = _items()
    with ChatClient(json_server.url("/v1")) as client:
        notes = polish_items(items, client)
    assert all(i["line"] is None for i in items)
    assert "unusable" in notes[0]
