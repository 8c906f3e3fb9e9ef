"""One at a time per key, in arrival order (bot/handoff/order.py): what keeps a user's relayed
messages and an agent's sends in the order they were sent."""

from __future__ import annotations

import asyncio

from bot.handoff.order import InOrder


def test_each_key_s_holders_go_in_arrival_order_and_an_idle_key_costs_nothing() -> None:
    order = InOrder()
    done: list[str] = []

    async def relay(conversation: str, text: str, takes: float) -> None:
        async with order.turn(conversation):
            await asyncio.sleep(takes)
            done.append(text)

    async def scenario() -> None:
        await asyncio.gather(relay("jo", "first", 0.05), relay("jo", "second", 0), relay("kim", "other", 0))

    asyncio.run(scenario())
    assert done.index("first") < done.index("second")
    assert done[0] == "other"  # another conversation does not wait for Jo's
    assert order._locks == {}
