"""Websocket consumers: they read and push; the one write path (operator
actions sent over the socket) calls the same engine services as the REST
actions, under the same role check.

One run (/ws/runs/<id>/?after_seq=N): join the run's group first, then send
what the client missed from RunEvent, then stream. Events can arrive from
several worker processes out of order, so the consumer keeps the last seq it
sent, drops duplicates, and fills any gap from the database: each connected
console sees every event once, in order.
"""
from __future__ import annotations

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from dashboard.broadcast import LIST_GROUP, run_group
from engine import events as engine_events
from engine import selectors
from engine.errors import EngineError, NotFound
from engine.roles import user_can
from engine.services import actions

BATCH = 500
MAX_MESSAGE = 256 * 1024


class SafeJsonConsumer(AsyncJsonWebsocketConsumer):
    """Decodes client messages with the API's hardened JSON parser: a message
    that is too big, too deep, not JSON or not an object gets an error reply,
    never a crashed socket."""

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        from flowdeck.parsers import BodyRefused, parse_json_body
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


class RunConsumer(SafeJsonConsumer):
    async def connect(self):
        if not await _may_view(self.scope.get("user")):
            await self.close(code=4401 if not getattr(self.scope.get("user"), "is_authenticated", False) else 4403)
            return
        self.run_id = self.scope["url_route"]["kwargs"]["run_id"]
        if not await self._exists():
            await self.close(code=4404)
            return
        self.last_seq = _after_seq(self.scope)
        await self.channel_layer.group_add(run_group(self.run_id), self.channel_name)
        await self.accept()
        await self._catch_up()

    async def disconnect(self, code):
        if getattr(self, "run_id", None):
            await self.channel_layer.group_discard(run_group(self.run_id), self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "resume":
            after = content.get("after_seq")
            if isinstance(after, int) and after >= 0:
                self.last_seq = after
                await self._catch_up()
            else:
                await self.send_json({"type": "error", "detail": "after_seq must be a whole number"})
        elif content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        elif content.get("type") == "action":
            await self.send_json({"type": "action.result", "request_id": content.get("request_id"),
                                  **await self._act(content)})
        else:
            await self.send_json({"type": "error", "detail": "unknown message type"})

    async def run_events(self, message):
        fresh = [e for e in message["events"] if e["seq"] > self.last_seq]
        if not fresh:
            return
        if fresh[0]["seq"] != self.last_seq + 1:
            await self._catch_up()  # a gap: the database has it
            fresh = [e for e in fresh if e["seq"] > self.last_seq]
            if not fresh:
                return
        await self._send(fresh)

    async def _catch_up(self):
        while True:
            batch = await self._events_after(self.last_seq)
            if not batch:
                return
            await self._send(batch)
            if len(batch) < BATCH:
                return

    async def _send(self, batch):
        self.last_seq = batch[-1]["seq"]
        await self.send_json({"type": "events", "events": batch})

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
                                  signal=text["name"], payload=content.get("payload"), data=content.get("data"))
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
    def _events_after(self, seq):
        return [engine_events.event_dict(e) for e in selectors.run_events(run_id=self.run_id, after_seq=seq,
                                                                          limit=BATCH)]



class RunListConsumer(SafeJsonConsumer):
    """Pushes a run's summary whenever it changes (rows appear and change live)."""

    async def connect(self):
        if not await _may_view(self.scope.get("user")):
            await self.close(code=4401 if not getattr(self.scope.get("user"), "is_authenticated", False) else 4403)
            return
        await self.channel_layer.group_add(LIST_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(LIST_GROUP, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "pong"} if content.get("type") == "ping"
                             else {"type": "error", "detail": "this socket only pushes"})

    async def run_changed(self, message):
        summary = await self._summary(message["run_id"])
        if summary is not None:
            await self.send_json({"type": "run", "run": summary, "seq": message["seq"]})

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


def _after_seq(scope) -> int:
    from urllib.parse import parse_qs
    values = parse_qs(scope.get("query_string", b"").decode()).get("after_seq", ["0"])
    return int(values[0]) if values[0].isdigit() else 0
