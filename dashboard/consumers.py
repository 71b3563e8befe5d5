"""Websocket consumers: they read and push; the one write path (operator
actions sent over the socket) calls the same engine services as the REST
actions, under the same role check.

One run (/ws/runs/<id>/?after_seq=N): join the run's group first, then send
what the client missed from RunEvent, then stream. Events can arrive from
several worker processes out of order, so the consumer keeps the last seq it
sent, drops duplicates, and fills any gap from the database: each connected
console sees every event once, in order.

The push path's limits (docs/console.md "The push path"):
- every message is at most FLOWDECK_WS_MESSAGE_BYTES; a payload over
  FLOWDECK_WS_PAYLOAD_BYTES is left out and fetched by the client
  (dashboard.stream);
- every FLOWDECK_WS_REJOIN_INTERVAL seconds a consumer joins its group again;
  when it had been lost (Redis flushed or restarted), it catches up from the
  database, so a console misses nothing;
- an after_seq that is not a whole number 0..2**31-1 gets an error message and
  close code 4400 (a resume message gets the error and the socket stays);
- a client that does not read is closed with 4008 by the web server
  (flowdeck/daphne_server.py), never buffered without bound.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from dashboard import stream
from dashboard.broadcast import LIST_GROUP, rejoin, run_group
from engine import metrics, selectors
from engine.errors import EngineError, NotFound
from engine.roles import user_can
from engine.services import actions
from webapi.parsers import BodyRefused, parse_json_body

log = logging.getLogger(__name__)
MAX_MESSAGE = 256 * 1024
BAD_REQUEST = 4400  # the client asked for something malformed (an after_seq); do not come back as is


class SafeJsonConsumer(AsyncJsonWebsocketConsumer):
    """Decodes client messages with the API's hardened JSON parser: a message
    that is too big, too deep, not JSON or not an object gets an error reply,
    never a crashed socket."""

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        raw = text_data.encode("utf-8", "surrogatepass") if text_data is not None else (bytes_data or b"")
        if len(raw) > MAX_MESSAGE:
            await self.send_json({"type": "error", "code": "message.too_large",
                                  "detail": f"messages are limited to {MAX_MESSAGE} bytes"})
            return
        try:
            content = parse_json_body(raw)
        except BodyRefused as exc:
            await self.send_json({"type": "error", "code": exc.errors[0]["code"], "detail": str(exc.detail)})
            return
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "code": "message.not_object",
                                  "detail": "a message must be a JSON object"})
            return
        await self.receive_json(content)

    @classmethod
    async def encode_json(cls, content):
        return json.dumps(content, default=str)


class LiveConsumer(SafeJsonConsumer):
    """A consumer that follows channel-layer groups and keeps following them: ``follow``
    joins a group; every ``FLOWDECK_WS_REJOIN_INTERVAL`` seconds a background task joins
    each again, and when a membership had been lost calls ``rejoined`` (under ``lock``,
    like every handler that sends stream content, so a catch-up never interleaves with
    a live batch)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lock = asyncio.Lock()
        self._following: list[str] = []
        self._keeper: asyncio.Task | None = None

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:  # however the consumer ends (disconnect, an error, daphne cancelling it)
            if self._keeper is not None:
                self._keeper.cancel()

    async def follow(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        if not self._following:
            metrics.WEBSOCKET_CLIENTS.inc()
        self._following.append(group)
        interval = settings.FLOWDECK_WS_REJOIN_INTERVAL
        if self._keeper is None and interval > 0:
            self._keeper = asyncio.ensure_future(self._keep_following(interval))

    async def unfollow(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper  # a rejoin in flight lands before the discard, not after it
            self._keeper = None
        if self._following:
            metrics.WEBSOCKET_CLIENTS.dec()
        for group in self._following:
            await self.channel_layer.group_discard(group, self.channel_name)
        self._following = []

    async def rejoined(self) -> None:
        """Called (holding ``lock``) after a lost membership was restored: send what the group
        carried meanwhile."""

    async def _keep_following(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                lost = [group for group in list(self._following)
                        if await rejoin(self.channel_layer, group, self.channel_name)]
                if lost:
                    log.info("websocket %s rejoined %s (its membership was lost)", self.channel_name, lost)
                    async with self.lock:
                        await self.rejoined()
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis away: the next round tries again
                log.warning("websocket %s could not rejoin its groups", self.channel_name, exc_info=True)


class RunConsumer(LiveConsumer):
    async def connect(self):
        if not await _may_view(self.scope.get("user")):
            await self.close(code=4401 if not getattr(self.scope.get("user"), "is_authenticated", False) else 4403)
            return
        self.run_id = self.scope["url_route"]["kwargs"]["run_id"]
        if not await self._exists():
            await self.close(code=4404)
            return
        after = _after_seq(self.scope)
        if after is None:
            await self.accept()  # a close code only reaches the client after the handshake
            await self.send_json(_bad_seq())
            await self.close(code=BAD_REQUEST)
            return
        self.last_seq = after
        await self.follow(run_group(self.run_id))
        await self.accept()
        async with self.lock:
            await self._catch_up()

    async def disconnect(self, code):
        await self.unfollow()

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "resume":
            after = content.get("after_seq")
            after = stream.parse_seq(after) if isinstance(after, int) else None  # JSON numbers only
            if after is None:
                await self.send_json(_bad_seq())
                return
            async with self.lock:
                self.last_seq = after
                await self._catch_up()
        elif content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        elif content.get("type") == "action":
            await self.send_json({"type": "action.result", "request_id": content.get("request_id"),
                                  **await self._act(content)})
        else:
            await self.send_json({"type": "error", "detail": "unknown message type"})

    async def run_events(self, message):
        """Live events (dashboard.broadcast): in order, each once; a gap is filled from the database."""
        async with self.lock:
            docs = sorted({seq: doc for seq, doc in message["docs"] if seq > self.last_seq}.items())
            if not docs:
                return
            if [seq for seq, _ in docs] != list(range(self.last_seq + 1, self.last_seq + 1 + len(docs))):
                await self._catch_up()  # a gap: the database has it (and everything in this message)
                docs = [(seq, doc) for seq, doc in docs if seq > self.last_seq]
                if not docs:
                    return
            for page in stream.cut(docs):
                await self._send_page(page)

    async def rejoined(self):
        await self._catch_up()

    async def _catch_up(self):
        while True:
            page, more = await self._page_after(self.last_seq)
            if page:
                await self._send_page(page)
            if not more:
                return

    async def _send_page(self, page):
        self.last_seq = page[-1][0]
        await self.send(text_data=stream.message(page))

    @database_sync_to_async
    def _act(self, content) -> dict:
        """The one operator door (engine.services.actions.run_act), under the REST role check."""
        user = self.scope["user"]
        if not user_can(user, "operate"):
            return {"ok": False, "code": "forbidden", "detail": "your role does not allow run actions"}
        text = {key: content.get(key) for key in ("action", "reason", "node_id", "kind", "name")}
        if any(value is not None and not isinstance(value, str) for value in text.values()):
            return {"ok": False, "code": "invalid", "detail": "action, reason, node_id, kind and name are strings"}
        try:
            run = actions.run_act(run_id=self.run_id, action=text["action"] or "", reason=text["reason"] or "",
                                  user=user, node_id=text["node_id"], kind=text["kind"], output=content.get("output"),
                                  signal=text["name"], payload=content.get("payload"), data=content.get("data"),
                                  input=content.get("input"))
        except EngineError as exc:
            return {"ok": False, "code": exc.code, "detail": str(exc)}
        return {"ok": True, "status": run.status}

    @database_sync_to_async
    def _exists(self):
        try:
            selectors.run_get(run_id=self.run_id)
            return True
        except NotFound:
            return False

    @database_sync_to_async
    def _page_after(self, seq):
        return stream.events_after(run_id=self.run_id, after_seq=seq)


class RunListConsumer(LiveConsumer):
    """Pushes a run's summary whenever it changes (rows appear and change live). After a lost
    group membership it sends ``{"type": "resync"}``: changes were missed, reload."""

    async def connect(self):
        if not await _may_view(self.scope.get("user")):
            await self.close(code=4401 if not getattr(self.scope.get("user"), "is_authenticated", False) else 4403)
            return
        await self.follow(LIST_GROUP)
        await self.accept()

    async def disconnect(self, code):
        await self.unfollow()

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "pong"} if content.get("type") == "ping"
                             else {"type": "error", "detail": "this socket only pushes"})

    async def run_changed(self, message):
        summary = await self._summary(message["run_id"])
        if summary is not None:
            async with self.lock:
                await self.send_json({"type": "run", "run": summary, "seq": message["seq"]})

    async def rejoined(self):
        await self.send_json({"type": "resync"})

    @database_sync_to_async
    def _summary(self, run_id):
        from dashboard.serializers import RunSummarySerializer
        try:
            return RunSummarySerializer(selectors.run_get(run_id=run_id)).data
        except NotFound:
            return None


@database_sync_to_async
def _may_view(user) -> bool:
    return user is not None and user_can(user, "view")


def _after_seq(scope) -> int | None:
    """The query's after_seq (0 when absent), or None when it is not a whole number 0..2**31-1."""
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("after_seq")
    return 0 if not values else stream.parse_seq(values[0])


def _bad_seq() -> dict:
    return {"type": "error", "code": "after_seq.invalid",
            "detail": f"after_seq must be a whole number from 0 to {stream.MAX_SEQ}"}
