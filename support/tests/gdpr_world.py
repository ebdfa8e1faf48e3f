"""Personal data of two members in every registered model, built with each app's factories (and
its services where a factory does not exist), for the export and erasure tests."""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth.models import User
from django.utils import timezone

from attendance.models import RaidAttendance
from attendance.tests.factories import EventFactory
from botworker import outbox
from botworker.members import member_seen
from botworker.models import (
    BotAction,
    BotActionFile,
    DirectoryMember,
    DirectoryUser,
    DiscordLink,
    GuildMember,
    InteractionRecord,
)
from config.actors import Actor
from scheduling.models import Announcement, Reminder, WowCharacter
from scheduling.services import jobs, member_zone_set
from scheduling.tests.factories import AvailabilityFactory, PlayerFactory
from shifts.tests.factories import ModScheduleFactory, ShiftFactory
from support.models import (
    ConsentAcceptance,
    ConsentVersion,
    FaqEntry,
    FaqProposal,
    FaqProposalTicket,
    OnboardingFlow,
    RulesAcceptance,
    RulesVersion,
    TicketDraft,
    TicketMessage,
    TicketMetrics,
    TicketStatusChange,
    TicketSummary,
    TicketTranscript,
)
from support.tests.factories import TicketFactory
from timetracking import services as timetracking

GUILD = 790_000_000_000_000_001
CHANNEL = 791_000_000_000_000_001
SUBJECT = 792_000_000_000_000_001
OTHER = 792_000_000_000_000_002
_numbers = itertools.count(1)


def marker(user_id: int) -> str:
    """A text only this member's rows carry, to find it in an export."""
    return f"words-of-{user_id}"


def personal_rows(user_id: int, *, other: int) -> dict[str, object]:
    """A row of `user_id` in every registered model, a few of them shared with `other` (a shift
    `other` claimed, a ticket `other` claimed and closed)."""
    n = next(_numbers)
    now = timezone.now()
    words = marker(user_id)
    rows: dict[str, object] = {}
    rows["schedule"] = ModScheduleFactory(guild_id=GUILD, user_id=user_id)
    rows["own_shift"] = ShiftFactory(
        guild_id=GUILD, created_by=user_id, assigned_user_id=user_id, schedule=rows["schedule"], description=words
    )
    rows["shift_claimed_by_other"] = ShiftFactory(
        guild_id=GUILD,
        created_by=user_id,
        description=words,
        claimed_by=other,
        claimed_at=now,
        start_time_utc=dt.datetime(2026, 6, 4, 18, tzinfo=dt.UTC),
    )
    member_zone_set(user_id=user_id, zone="Europe/Paris")
    player = PlayerFactory(guild_id=GUILD, discord_user_id=user_id, display_name=words)
    rows["player"] = player
    rows["character"] = WowCharacter.objects.create(player=player, name=f"Hero{n}", realm="Silvermoon", is_main=True)
    rows["availability"] = AvailabilityFactory(player=player)
    event = EventFactory(guild_id=GUILD, created_by_player=player, title=f"raid-{words}")
    rows["event"] = event
    rows["attendance"] = RaidAttendance.objects.create(event=event, player=player, signed_up=True)
    rows["reminder"] = Reminder.objects.create(
        guild_id=GUILD,
        name=f"reminder {n}",
        channel_id=CHANNEL,
        message="Raid!",
        created_by=user_id,
        days=[0],
        time=dt.time(19),
        timezone="UTC",
    )
    rows["announcement"] = Announcement.objects.create(
        guild_id=GUILD,
        channel_id=CHANNEL,
        message_id=7_000 + n,
        reminder=rows["reminder"],
        status=Announcement.Status.UNDERSTOOD,
        fingerprint="0" * 64,
    )
    rows["job"] = jobs.job_create(
        actor=Actor(user_id=user_id, is_admin=True),
        guild_id=GUILD,
        job_id=f"job-{n}",
        method="send_message",
        params={"channel_id": CHANNEL, "content": "Daily update!"},
        trigger={"type": "interval", "hours": 1},
    )
    session = timetracking.session_clock_in(user_id=user_id, subject=f"subject-{words}")
    rows["session"] = session
    rows["allocation"] = timetracking.allocation_set(user_id=user_id, subject=f"subject-{words}", minutes=60)
    ticket = TicketFactory(
        guild_id=GUILD, number=n, user_id=user_id, username=words, description=words, claimed_by=other, claimed_at=now
    )
    rows["ticket"] = ticket
    rows["status_change"] = TicketStatusChange.objects.create(
        ticket=ticket, from_status="open", to_status="claimed", changed_by=other, note=marker(other), changed_at=now
    )
    consent, _ = ConsentVersion.objects.get_or_create(
        guild_id=GUILD, version=1, defaults={"text": "We keep your data.", "published_at": now}
    )
    rows["consent"] = ConsentAcceptance.objects.create(consent=consent, user_id=user_id, accepted_at=now)
    member_seen(guild_id=GUILD, user_id=user_id, role_ids=[], permissions=0)
    rows["guild_member"] = GuildMember.objects.get(guild_id=GUILD, user_id=user_id)
    rows["directory_user"] = DirectoryUser.objects.create(user_id=user_id, username=words, updated_at=now)
    rows["directory_member"] = DirectoryMember.objects.create(
        guild_id=GUILD, user_id=user_id, nick=words, updated_at=now
    )
    login = User.objects.create_user(f"discord-{user_id}")
    login.set_unusable_password()
    login.save()
    rows["login"] = login
    rows["link"] = DiscordLink.objects.create(user=login, discord_user_id=user_id)
    rows["interaction"] = InteractionRecord.objects.create(
        interaction_id=980_000_000_000_000_000 + n,
        kind="gdpr status",
        guild_id=GUILD,
        user_id=user_id,
        response={"data": {"content": words}},
    )
    rows["dm"] = outbox.enqueue(
        kind=BotAction.Kind.SEND_DM, payload={"user_id": user_id, "content": words}, dedupe_key=f"test:dm:{n}"
    )
    BotAction.objects.filter(pk=rows["dm"].pk).update(status=BotAction.Status.DONE)
    rows["dm_with_file"] = outbox.enqueue(
        kind=BotAction.Kind.SEND_DM,
        payload={"user_id": user_id, "content": words},
        dedupe_key=f"test:dm-file:{n}",
        files=[outbox.OutboxFile(f"{words}.txt", words.encode())],
    )
    rows["action_file"] = BotActionFile.objects.get(action=rows["dm_with_file"])
    BotAction.objects.filter(pk=rows["dm_with_file"].pk).update(status=BotAction.Status.DONE)
    rows["ticket_message"] = TicketMessage.objects.create(
        ticket=ticket,
        message_id=960_000_000_000_000_000 + n,
        author_id=user_id,
        author_name=words,
        content=words,
        created_at=now,
    )
    rows["transcript"] = TicketTranscript.objects.create(
        ticket=ticket, text=words, html=f"<p>{words}</p>", message_count=1, created_at=now
    )
    rows["summary"] = TicketSummary.objects.create(
        ticket=ticket, guild_id=GUILD, summary=words, provider="local", created_at=now
    )
    rows["faq_entry"] = FaqEntry.objects.create(
        guild_id=GUILD, question="How?", answer="Like this.", created_by=user_id
    )
    rows["faq_proposal"] = FaqProposal.objects.create(
        guild_id=GUILD, question="How?", answer="Like this.", status="dismissed", acted_by=user_id, created_at=now
    )
    rows["faq_proposal_ticket"] = FaqProposalTicket.objects.create(proposal=rows["faq_proposal"], ticket=ticket)
    rows["ticket_draft"] = TicketDraft.objects.create(
        guild_id=GUILD, user_id=user_id, topic=words, description=words, created_at=now, expires_at=now
    )
    rules, _ = RulesVersion.objects.get_or_create(guild_id=GUILD, version=1, defaults={"text": "Be kind."})
    rows["rules_acceptance"] = RulesAcceptance.objects.create(
        guild_id=GUILD, user_id=user_id, rules_version=rules, accepted_at=now
    )
    rows["onboarding"] = OnboardingFlow.objects.create(
        guild_id=GUILD, user_id=user_id, answers={"introduction": {"value": words}}, started_at=now
    )
    rows["ticket_metrics"] = TicketMetrics.objects.create(
        guild_id=GUILD,
        scope="7d",
        computed_at=now,
        snapshot={"opened": 1, "staff": [{"user_id": str(user_id), "claimed": 1, "closed": 0}]},
        counts={"open": 1},
        triggered_by=user_id,
    )
    return rows
