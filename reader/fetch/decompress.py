"""Content-Encoding decoding under one running cap on the bytes it produces.

httpx decodes a whole network chunk in one call, so 16 KB of `gzip, gzip` can expand to
gigabytes before any size check sees it. Here every layer of the stack is decoded in
pieces of at most `PIECE` bytes, and each layer's running output is held to the cap, so
memory stays bounded by the cap whatever the input. Only gzip and deflate are accepted
(and advertised); any other coding is an error, never stored bytes.
"""

from __future__ import annotations

import zlib

ACCEPT_ENCODING = "gzip, deflate"
PIECE = 64 * 1024
_IDENTITY = {"", "identity"}
_GZIP = {"gzip", "x-gzip"}


class TooLarge(Exception):
    """The decoded body went over the cap."""


class UnsupportedEncoding(Exception):
    """A Content-Encoding reader does not decode."""


class _Layer:
    """One gzip or deflate layer, decoded in bounded pieces."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.produced = 0
        # gzip: header and trailer; deflate is zlib-wrapped by the RFC, raw in practice.
        self.inflater = zlib.decompressobj(
            zlib.MAX_WBITS | 16 if coding in _GZIP else zlib.MAX_WBITS
        )
        self.started = False

    def feed(self, data: bytes, cap: int) -> list[bytes]:
        pieces = []
        while data:
            if self.inflater.eof:
                # Concatenated gzip members are one stream (RFC 1952); anything else after
                # the end is ignored, as browsers do.
                rest = self.inflater.unused_data + data
                if self.coding in _GZIP and rest[:2] == b"\x1f\x8b":
                    self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
                    data = rest
                    continue
                return pieces
            try:
                piece = self.inflater.decompress(data, PIECE)
            except zlib.error as exc:
                if self.coding == "deflate" and not self.started:
                    # Raw deflate without the zlib wrapper, as many servers send it.
                    self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    self.started = True
                    continue
                raise UnsupportedEncoding(f"corrupt {self.coding} data ({exc})") from exc
            self.started = True
            data = self.inflater.unconsumed_tail
            self.produced += len(piece)
            if self.produced > cap:
                raise TooLarge
            if piece:
                pieces.append(piece)
        return pieces


class CappedDecoder:
    """Decode a body sent with a Content-Encoding stack, producing at most `cap` bytes."""

    def __init__(self, content_encoding: str | None, cap: int) -> None:
        self.cap = cap
        self.total = 0
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        codings = [c for c in codings if c not in _IDENTITY]
        for coding in codings:
            if coding not in _GZIP and coding != "deflate":
                raise UnsupportedEncoding(f"unsupported content encoding {coding}")
        # Codings are listed in the order they were applied: undo them last first.
        self.layers = [_Layer(c) for c in reversed(codings)]

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes this chunk of the body yields; raises TooLarge past the cap."""
        pieces = [data]
        for layer in self.layers:
            pieces = [out for piece in pieces for out in layer.feed(piece, self.cap)]
        out = b"".join(pieces)
        self.total += len(out)
        if self.total > self.cap:
            raise TooLarge
        return out
