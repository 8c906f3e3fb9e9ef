"""Rasa's events from RabbitMQ into the events table the loader reads, where an organisation runs
RabbitMQ (EVENTS_AMQP_URL; bot/event_broker.py publishes them to the durable queue).

``python -m bot.insights load`` calls ``relay`` first: it takes what waits in the queue, a batch at a
time, writes each batch in one transaction and only then acknowledges it. If the relay stops between
the two, RabbitMQ delivers that batch again and the relay's record of what it moved skips it
(bot/insights/events.py), so an event is never lost and never counted twice. If RabbitMQ cannot be
reached, the load stops with an error and the events wait in the queue.
"""

from __future__ import annotations

import ssl
import time

import pika
import pika.exceptions

from bot import sql
from bot.amqp_url import EXCHANGE, QUEUE, AmqpUrl
from bot.insights.events import append_relayed, prepare_for_relay

BATCH = 1_000


class RelayError(Exception):
    """RabbitMQ could not be read; the message names where, never the password."""


def parameters(amqp: AmqpUrl) -> pika.ConnectionParameters:
    return pika.ConnectionParameters(
        host=amqp.host,
        port=amqp.port,
        virtual_host=amqp.vhost,
        credentials=pika.PlainCredentials(amqp.username, amqp.password.reveal()),
        ssl_options=pika.SSLOptions(ssl.create_default_context(), amqp.host) if amqp.tls else None,
        connection_attempts=3,
        retry_delay=1.0,
        socket_timeout=10.0,
    )


def relay(amqp: AmqpUrl, events: sql.Database, batch: int = BATCH) -> int:
    """Move every event waiting in the queue into ``events``' table; returns how many were new."""
    prepare_for_relay(events)
    try:
        connection = pika.BlockingConnection(parameters(amqp))
    except pika.exceptions.AMQPError as exc:
        raise RelayError(f"RabbitMQ at {amqp.address()} cannot be reached ({type(exc).__name__})") from None
    moved = 0
    try:
        channel = connection.channel()
        # As Rasa declares them (rasa/core/brokers/pika.py): declaring them here too means events
        # are kept from the first one Rasa publishes, whichever of the two starts first.
        channel.exchange_declare(EXCHANGE, exchange_type="fanout")
        waiting = channel.queue_declare(QUEUE, durable=True).method.message_count  # those queued now
        channel.queue_bind(QUEUE, EXCHANGE, routing_key="")
        channel.basic_qos(prefetch_count=batch)
        bodies: list[bytes] = []
        for method, _properties, body in channel.consume(QUEUE) if waiting else ():
            bodies.append(body)
            waiting -= 1
            if len(bodies) == batch or waiting == 0:
                with events.transaction(immediate=True) as tx:
                    moved += append_relayed(tx, bodies, time.time())
                channel.basic_ack(method.delivery_tag, multiple=True)
                bodies = []
            if waiting == 0:
                break  # those published since wait for the next load
    except pika.exceptions.AMQPError as exc:
        raise RelayError(
            f"RabbitMQ at {amqp.address()}: {type(exc).__name__} (what was not acknowledged stays queued)"
        ) from None
    finally:
        if connection.is_open:
            connection.close()
    return moved
