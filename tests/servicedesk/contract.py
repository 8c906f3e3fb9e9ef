"""The contract every HTTP adapter is held to, run against its desk's fake on loopback.

A desk's test module describes its desk in a ``DeskCase`` and collects the shared tests with
``test_failures = failure_tests(CASE)``: every operation meets 400, 401, 403, 404, 429 with
Retry-After, 500, a timeout and malformed JSON, and each must become the right typed error,
with no secret in any log line or error message.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.servicedesk import (
    AuthenticationFailed,
    ConfigError,
    RateLimited,
    RejectedData,
    Requester,
    ServiceDesk,
    ServiceDeskUnavailable,
    TicketNotFound,
    TicketRequest,
)
from bot.servicedesk.errors import BadResponse, ServiceDeskError
from tests.servicedesk.fakedesk import RETRY_AFTER, FakeDesk

TIMEOUT = "0.5"  # ASKIT_DESK_TIMEOUT in contract tests; the fakes hang for longer
ALICE = Requester(id="teams:alice-aad-id", email="alice@northbrook.example", name="Alice Example", tenant="northbrook")


def ticket_request(correlation_id: str = "3f1c2a9e-askit-corr-0001", requester: Requester = ALICE) -> TicketRequest:
    return TicketRequest(
        summary="VPN drops every hour",
        description="VPN drops every hour\n\nConversation transcript:\nUser: my vpn keeps dropping",
        requester=requester,
        category="connectivity",
        priority="P2",
        resolver_group="network",
        correlation_id=correlation_id,
    )


Operation = Callable[[ServiceDesk, "DeskCase"], Any]
OPERATIONS: dict[str, Operation] = {
    "create": lambda desk, case: desk.create_ticket(ticket_request()),
    "find": lambda desk, case: desk.find_by_correlation("3f1c2a9e-askit-corr-0001"),
    "status": lambda desk, case: desk.get_status(case.existing_ref),
    "list": lambda desk, case: desk.list_open(ALICE),
    "comment": lambda desk, case: desk.add_comment(case.existing_ref, "It now happens on my second laptop too"),
    "reply": lambda desk, case: desk.latest_reply(case.existing_ref),
}


@dataclass(frozen=True)
class DeskCase:
    """How to start one desk's fake and point its adapter at it."""

    fake: Callable[[], FakeDesk]
    adapter: Callable[[Mapping[str, str]], ServiceDesk]  # the adapter's from_env
    env: Callable[[str], dict[str, str]]  # the fake's URL -> the adapter's settings
    secrets: tuple[str, ...]  # values that must never be logged or shown
    existing_ref: str  # a ticket of ALICE's that the fake holds from the start
    operations: tuple[str, ...] = tuple(OPERATIONS)
    # the error for a 404, by operation: a named ticket is "not found", a missing endpoint is config
    not_found: Mapping[str, type[ServiceDeskError]] = field(
        default_factory=lambda: {"status": TicketNotFound, "comment": TicketNotFound, "reply": TicketNotFound}
    )

    def start(self) -> tuple[FakeDesk, ServiceDesk]:
        fake = self.fake().start()
        return fake, self.adapter({**self.env(fake.url), "ASKIT_DESK_TIMEOUT": TIMEOUT})


FAILURES: list[tuple[int | str, type[ServiceDeskError]]] = [
    (400, RejectedData),
    (401, AuthenticationFailed),
    (403, AuthenticationFailed),
    (404, TicketNotFound),  # or ConfigError: see DeskCase.not_found
    (429, RateLimited),
    (500, ServiceDeskUnavailable),
    ("timeout", ServiceDeskUnavailable),
    ("malformed", BadResponse),
]


def secret_forms(secrets: tuple[str, ...]) -> list[str]:
    """Each secret, and each pair as it would appear in a Basic authorisation header."""
    pairs = [f"{a}:{b}" for a in secrets for b in secrets if a != b]
    return [*secrets, *(base64.b64encode(p.encode()).decode() for p in pairs)]


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def failure_tests(case: DeskCase) -> Callable[..., None]:
    """The failure matrix for one desk, as a pytest test function."""

    @pytest.mark.parametrize("operation", case.operations)
    @pytest.mark.parametrize("failure,error", FAILURES, ids=[str(f) for f, _ in FAILURES])
    def test_failure_maps_to_a_typed_error(
        operation: str, failure: int | str, error: type[ServiceDeskError], caplog: pytest.LogCaptureFixture
    ) -> None:
        if failure == 404:
            error = case.not_found.get(operation, ConfigError)
        fake, desk = case.start()
        try:
            fake.fail_next(failure)
            with caplog.at_level(logging.DEBUG), pytest.raises(error) as raised:
                OPERATIONS[operation](desk, case)
        finally:
            fake.stop()
        if error is ServiceDeskUnavailable:
            assert not isinstance(raised.value, (RateLimited, BadResponse))
        if failure == 429:
            assert raised.value.retry_after == float(RETRY_AFTER)  # type: ignore[attr-defined]
        shown = "\n".join([caplog.text, str(raised.value), repr(raised.value), repr(desk)])
        leaked = [s for s in secret_forms(case.secrets) if s in shown]
        assert not leaked, f"secret shown in logs or errors: {len(leaked)} value(s)"

    return test_failure_maps_to_a_typed_error
