"""Traces (OpenTelemetry): one trace per run, a span per step attempt.

A run's steps run in many processes over hours, so no process holds a run span open for its steps to
hang under. Instead the ids are the run's: its trace id is the run's UUID (128 bits, as a trace id)
and its run span's id the UUID's low 64 bits. Each attempt's span is a child of that run span wherever
it runs, and the run span itself is emitted when the run ends (start: the run's creation), by the
process that committed the end. A run that ends again (a failed run retried) emits it again.

Inside an attempt its span is the current one: an ``http`` node's request carries it as a W3C
``traceparent`` (engine/httpcall.py), and so does an activity's httpx call once httpx is
instrumented (``configure`` does it), as do its database queries (psycopg).

Off by default: nothing is set up unless ``OTEL_TRACES_EXPORTER`` names an exporter (``otlp``,
``console``); the exporter reads the other standard ``OTEL_*`` variables itself
(``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_SERVICE_NAME``, ...). Off, every call here is a no-op.
"""
from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import uuid

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("flowdeck.engine")
_forced: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar("flowdeck_forced_ids", default=None)
_enabled = False
_provider: TracerProvider | None = None


class RunIds(RandomIdGenerator):
    """Random ids, except for a run span, whose ids are its run's (``run_span_end``)."""

    def generate_trace_id(self) -> int:
        forced = _forced.get()
        return forced[0] if forced else super().generate_trace_id()

    def generate_span_id(self) -> int:
        forced = _forced.get()
        return forced[1] if forced else super().generate_span_id()


def run_ids(run_id) -> tuple[int, int]:
    """(trace id, run span id) of a run."""
    value = (run_id if isinstance(run_id, uuid.UUID) else uuid.UUID(str(run_id))).int
    return value, (value & 0xFFFFFFFFFFFFFFFF) or 1


def enabled() -> bool:
    return _enabled


def configure(*, exporter=None, simple: bool = False) -> bool:
    """Install the tracer provider once per process. ``exporter``: an SDK span exporter (tests pass
    the in-memory one); otherwise the one ``OTEL_TRACES_EXPORTER`` names, or none (tracing off)."""
    global _enabled, _provider
    if _enabled:
        return True
    if exporter is None:
        name = os.environ.get("OTEL_TRACES_EXPORTER", "none").strip().lower()
        if name in ("", "none"):
            return False
        exporter = _exporter(name)
        if exporter is None:
            return False
    if _provider is None:   # a process has one provider (OpenTelemetry refuses a second)
        service = os.environ.get("OTEL_SERVICE_NAME") or "flowdeck"
        _provider = TracerProvider(id_generator=RunIds(), resource=Resource.create({"service.name": service}))
        trace.set_tracer_provider(_provider)
        _provider.add_span_processor(_processor)
    _processor.target = SimpleSpanProcessor(exporter) if simple else BatchSpanProcessor(exporter)
    _instrument()
    _enabled = True
    return True


def disable() -> None:
    """Stop tracing in this process (tests: spans of one test must not pile up for the rest)."""
    global _enabled
    _enabled = False
    for instrumentor in _instrumentors():
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
    target, _processor.target = _processor.target, None
    if target is not None:
        target.shutdown()   # flushes what it holds


class _Switch(SpanProcessor):
    """The provider's one processor, forwarding to the exporter's (none while tracing is off)."""
    target: SpanProcessor | None = None

    def on_start(self, span, parent_context=None):
        if self.target is not None:
            self.target.on_start(span, parent_context=parent_context)

    def on_end(self, span):
        if self.target is not None:
            self.target.on_end(span)

    def shutdown(self):
        if self.target is not None:
            self.target.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.target.force_flush(timeout_millis) if self.target is not None else True


_processor = _Switch()


def _exporter(name: str):
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter  # noqa: PLC0415 (an optional exporter)
        return ConsoleSpanExporter()
    if name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: PLC0415
        return OTLPSpanExporter()
    log.warning("OTEL_TRACES_EXPORTER=%s is not one of otlp, console, none: tracing stays off", name)
    return None


def _instrumentors() -> list:
    from opentelemetry.instrumentation.django import DjangoInstrumentor  # noqa: PLC0415 (only when tracing is on)
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor  # noqa: PLC0415
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor  # noqa: PLC0415
    return [DjangoInstrumentor(), HTTPXClientInstrumentor(), PsycopgInstrumentor()]


def _instrument() -> None:
    """Django requests, psycopg queries and httpx calls get their spans (and httpx the traceparent)."""
    for instrumentor in _instrumentors():
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()


def _run_context(run_id):
    trace_id, span_id = run_ids(run_id)
    parent = SpanContext(trace_id=trace_id, span_id=span_id, is_remote=True,
                         trace_flags=TraceFlags(TraceFlags.SAMPLED))
    return trace.set_span_in_context(NonRecordingSpan(parent))


@contextlib.contextmanager
def attempt_span(*, run_id, node_id: str, attempt: int, idempotency_key: str, step_id: int, kind: str):
    """The span of one step attempt, current while the activity runs; yields a function the
    executor calls with the attempt's outcome."""
    if not _enabled:
        yield _no_outcome
        return
    attributes = {"flowdeck.run_id": str(run_id), "flowdeck.node_id": node_id, "flowdeck.attempt": attempt,
                  "flowdeck.idempotency_key": idempotency_key, "flowdeck.step_id": step_id, "flowdeck.kind": kind}
    with _tracer.start_as_current_span(f"step {node_id}", context=_run_context(run_id), kind=SpanKind.INTERNAL,
                                       attributes=attributes, record_exception=False,
                                       set_status_on_exception=False) as span:
        def outcome(result: str, error: dict | None = None) -> None:
            span.set_attribute("flowdeck.outcome", result)
            if error:
                span.set_status(Status(StatusCode.ERROR, f"{error.get('type')}: {error.get('message', '')}"[:500]))
        yield outcome


def _no_outcome(result: str, error: dict | None = None) -> None:
    return None


def run_span_end(*, run_id, version_id, status: str, started, finished) -> None:
    """Emit the run's span (ids from the run), from its creation to its end."""
    if not _enabled or started is None:
        return
    trace_id, span_id = run_ids(run_id)
    token = _forced.set((trace_id, span_id))
    try:
        span = _tracer.start_span("run", context=trace.set_span_in_context(trace.INVALID_SPAN),
                                  kind=SpanKind.INTERNAL, start_time=_ns(started),
                                  attributes={"flowdeck.run_id": str(run_id), "flowdeck.version_id": version_id or 0,
                                              "flowdeck.status": status})
    finally:
        _forced.reset(token)
    if status not in ("completed", "compensated", "cancelled"):
        span.set_status(Status(StatusCode.ERROR, status))
    # Ended now, just after the commit that ended the run (its finished_at is that transaction's
    # start): the last attempt's span, which ends after its record commits, then lies inside it.
    span.end()


def _ns(when) -> int:
    return int(when.timestamp() * 1_000_000_000)


def inject(headers: dict) -> dict:
    """Add the current span's ``traceparent`` (W3C trace context) to outgoing ``headers``."""
    if _enabled:
        propagate.inject(headers)
    return headers
