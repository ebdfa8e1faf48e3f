"""`manage.py deliver_outbox`: the stand-alone outbox deliverer.

For deployments without the gateway bot (which runs the same deliverer in its own loop), and for
tests. Runs until SIGTERM or SIGINT (exit 0 after the rows in flight finish and unstarted ones are
released), or with ``--once`` delivers everything due and exits. ``set_presence`` rows need the
gateway and are left for the bot.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import discord
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from botworker.discord_api import discord_http_client
from botworker.outbox import DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY, RATELIMIT_WAIT_SECONDS, OutboxDeliverer

logger = logging.getLogger("botworker.deliver_outbox")


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def positive_number(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = "Deliver the outbox of Discord actions (until SIGTERM/SIGINT, or once with --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=positive_int, default=DEFAULT_BATCH_SIZE, help="rows held (claimed) at once"
        )
        parser.add_argument("--once", action="store_true", help="deliver everything due now, then exit")
        parser.add_argument(
            "--concurrency", type=positive_int, default=DEFAULT_CONCURRENCY, help="rows performed at once"
        )
        parser.add_argument(
            "--lease-seconds",
            type=positive_number,
            default=None,
            help="how long a claim lasts without renewal (default: OUTBOX_LEASE_SECONDS, 60)",
        )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DISCORD_TOKEN:
            raise CommandError("DISCORD_TOKEN is not set: the outbox deliverer needs the bot's token to call Discord.")
        try:
            asyncio.run(self._deliver(options))
        except discord.LoginFailure:
            raise CommandError("Discord refused DISCORD_TOKEN: check the bot token.") from None

    async def _deliver(self, options: dict) -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            async with discord_http_client(max_ratelimit_timeout=RATELIMIT_WAIT_SECONDS) as http:
                deliverer = OutboxDeliverer(
                    http,
                    batch_size=options["batch_size"],
                    concurrency=options["concurrency"],
                    lease_seconds=options["lease_seconds"],
                )
                logger.info("outbox deliverer %s started", deliverer.worker_id)
                if options["once"]:
                    totals = await deliverer.deliver_due(stop)
                    logger.info("outbox deliverer %s finished: %s", deliverer.worker_id, dict(totals) or "nothing due")
                else:
                    await deliverer.run(stop)
                    logger.info("outbox deliverer %s stopped", deliverer.worker_id)
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            # The ORM ran in sync_to_async's worker thread: release that thread's connection.
            await sync_to_async(connections.close_all)()
