"""Optional: rewrite each digest item's line in the user's voice with a language model.

Built from what the user wrote (notes, highlights) and the extracted sentences, never from
anything else. Any failure keeps the extractive text; the caller gets one note saying so.
"""

from __future__ import annotations

from typing import Any

from reader.services.llm import ChatClient, ChatMessage, LLMError

MAX_LINE_CHARS = 600
VOICE_SAMPLES = 6

SYSTEM_PROMPT = (
    "You help a person draft the 'What I read' list of their personal newsletter. For one "
    "article, write one or two sentences in the first person, in their voice, on what the piece "
    "says and why it was worth their time. Use only the material given; invent nothing. Answer "
    "with the sentences alone: no title, no link, no quotation marks around them, no preamble."
)


def polish_items(items: list[dict[str, Any]], client: ChatClient, *, author: str = "") -> list[str]:
    """Set `item["line"]` for each item the model can rewrite; return notes for the user.

    Stops at the first failure (an unreachable or slow endpoint would fail for every item).
    """
    voice = _voice_samples(items)
    todo = [i for i in items if i["summary"] or i["notes"] or i["highlights"]]
    done = 0
    for item in todo:
        try:
            line = client.complete(_messages(item, voice, author), max_tokens=200)
        except LLMError as exc:
            kept = len(todo) - done
            return [f"LLM polish failed ({exc}); kept the extracted text for {kept} of {len(todo)}"]
        cleaned = _clean(line)
        if cleaned:
            item["line"] = cleaned
            done += 1
    skipped = len(todo) - done
    if skipped:
        return [f"LLM polish gave unusable answers for {skipped} of {len(todo)}; kept the extracts"]
    return []


def _voice_samples(items: list[dict[str, Any]]) -> list[str]:
    """The user's own notes in this window: the best guide to how they write."""
    samples = [n for item in items for n in item["notes"]]
    return samples[:VOICE_SAMPLES]


def _messages(item: dict[str, Any], voice: list[str], author: str) -> list[ChatMessage]:
    parts = [f"Title: {item['title']}"]
    if item.get("source"):
        parts.append(f"Source: {item['source']}")
    if item["notes"]:
        parts.append("My notes:\n" + "\n".join(f"- {n}" for n in item["notes"]))
    if item["highlights"]:
        parts.append("Passages I highlighted:\n" + "\n".join(f"- {h}" for h in item["highlights"]))
    if item["summary"]:
        parts.append("Key sentences from the article:\n" + "\n".join(item["summary"]))
    if voice:
        who = f"I ({author}) write" if author else "I write"
        parts.append(f"How {who}, from my other notes:\n" + "\n".join(f"- {v}" for v in voice))
    return [ChatMessage("system", SYSTEM_PROMPT), ChatMessage("user", "\n\n".join(parts))]


def _clean(text: str) -> str | None:
    """One paragraph without wrapping quotes, or None when the answer is not usable."""
    line = " ".join(text.split()).strip().strip('"“”').strip()
    if not line or len(line) > MAX_LINE_CHARS:
        return None
    return line
