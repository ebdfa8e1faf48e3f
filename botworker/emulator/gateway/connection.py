"""One gateway websocket: its transport compression and the writer that sends its frames in order.

Compression is what the URL query asks: ``compress=zlib-stream`` (one zlib stream per
connection, every payload flushed with ``Z_SYNC_FLUSH`` so each binary frame ends with
``00 00 ff ff``), ``compress=zstd-stream`` (one zstd stream, each payload flushed as a block;
only when ``zstandard`` or ``compression.zstd`` is importable, which is exactly when discord.py
asks for it) or none (text frames).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import zlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from botworker.emulator.gateway.sessions import Session

CLOSE_TIMEOUT = 2.0  # seconds a closing handshake waits for the client's close frame


class Encoder:
    """Turns JSON text into a websocket message: text, or binary frames of one compression stream."""

    def __init__(self, kind: str | None) -> None:
        self.kind = kind
        self._compress: Callable[[bytes], bytes] | None = None
        if kind == "zlib-stream":
            stream = zlib.compressobj()
            # Z_SYNC_FLUSH ends every payload on a byte boundary with 00 00 ff ff, which is how
            # discord.py (and Discord's docs) find the end of a message in the stream.
            self._compress = lambda data: stream.compress(data) + stream.flush(zlib.Z_SYNC_FLUSH)
        elif kind == "zstd-stream":
            self._compress = _zstd_stream()
        elif kind is not None:
            raise ValueError(f"compress={kind!r} is not a transport compression Discord offers")

    def encode(self, text: str) -> str | bytes:
        return text if self._compress is None else self._compress(text.encode())


def _zstd_stream() -> Callable[[bytes], bytes]:
    """A zstd stream flushed per payload, from the module discord.py would decompress with."""
    try:
        import zstandard
    except ImportError:
        try:
            from compression import zstd  # Python 3.14+
        except ImportError:
            raise ValueError("compress=zstd-stream needs zstandard or compression.zstd") from None
        compressor = zstd.ZstdCompressor()
        return lambda data: compressor.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)
    stream = zstandard.ZstdCompressor().compressobj()
    return lambda data: stream.compress(data) + stream.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)


@dataclasses.dataclass
class Outgoing:
    frames: list[dict[str, Any]]
    close: tuple[int, str] | None
    done: asyncio.Future[bool]


class Connection:
    """One websocket. Everything written to it goes through one queue and one writer task, so frames
    leave in the order they were posted (sequence numbers never arrive out of order) and the
    compression stream sees them in that order too."""

    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.Transport | None, encoder: Encoder) -> None:
        self.ws = ws
        self.transport = transport
        self.encoder = encoder
        self.session: Session | None = None
        self.heartbeats = 0
        self.last_heartbeat_at: float | None = None
        # Told to go away (op 7, op 9, a close, a drop): no longer the session's live connection,
        # even before the client has actually closed it.
        self.retiring = False
        self.closed = False
        self.close_recorded = False
        self.closing: asyncio.Future[bool] | None = None
        self._outbox: asyncio.Queue[Outgoing] = asyncio.Queue()
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())

    @property
    def shard(self) -> int | None:
        return self.session.shard_id if self.session is not None else None

    def post(self, frames: Iterable[dict[str, Any]]) -> asyncio.Future[bool]:
        """Queue payloads; the future says whether they were written (False: the peer is gone)."""
        return self._enqueue(list(frames), None)

    def post_close(self, code: int, reason: str) -> asyncio.Future[bool]:
        """Queue a close frame; the future resolves once the client answered it (or the wait timed out)."""
        self.closing = self._enqueue([], (code, reason))
        return self.closing

    def _enqueue(self, frames: list[dict[str, Any]], close: tuple[int, str] | None) -> asyncio.Future[bool]:
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if self.closed:
            done.set_result(False)
        else:
            self._outbox.put_nowait(Outgoing(frames, close, done))
        return done

    async def _write_loop(self) -> None:
        while True:
            item = await self._outbox.get()
            written = False
            try:
                if item.close is not None:
                    await self.ws.close(code=item.close[0], message=item.close[1].encode())
                else:
                    for frame in item.frames:
                        message = self.encoder.encode(json.dumps(frame, separators=(",", ":")))
                        if isinstance(message, bytes):
                            await self.ws.send_bytes(message)
                        else:
                            await self.ws.send_str(message)
                written = True
            except (ConnectionError, RuntimeError):
                # The client went away; what it missed stays in the session's replay buffer.
                written = False
            finally:
                if not item.done.done():
                    item.done.set_result(written)

    def abort(self) -> None:
        """Close the TCP connection without a close frame (the client sees code 1006)."""
        self.retiring = True
        if self.transport is not None:
            self.transport.abort()

    async def finish(self) -> None:
        """Let a closing handshake in progress end, then stop the writer and fail whatever was still
        queued (called when the handler ends)."""
        if self.closing is not None and not self.closing.done():
            # Cancelling the writer in the middle of ws.close() would cut the handshake short.
            await asyncio.wait([self.closing], timeout=CLOSE_TIMEOUT + 1)
        self.closed = True
        self._writer.cancel()
        while not self._outbox.empty():
            item = self._outbox.get_nowait()
            if not item.done.done():
                item.done.set_result(False)
