"""flowdeck/broker.py: an idle worker polls its queue every FLOWDECK_IDLE_POLL_MS."""
import dramatiq
import pytest
from django.conf import settings

from flowdeck.broker import RedisBroker


def test_the_configured_broker_is_ours_unless_rabbitmq():
    broker = dramatiq.get_broker()
    if settings.BROKER_URL.startswith("amqp"):
        pytest.skip("RabbitMQ pushes messages: no idle poll")
    assert isinstance(broker, RedisBroker)


def test_an_idle_consumer_backs_off_at_most_the_idle_poll(settings):
    broker = RedisBroker(url=settings.REDIS_URL, namespace="flowdeck-broker-test")
    try:
        settings.FLOWDECK_IDLE_POLL_MS = 20
        assert broker.consume("q", prefetch=1, timeout=1000).timeout == 20
        settings.FLOWDECK_IDLE_POLL_MS = 5000  # never longer than the worker asked for
        assert broker.consume("q", prefetch=1, timeout=1000).timeout == 1000
    finally:
        broker.close()
