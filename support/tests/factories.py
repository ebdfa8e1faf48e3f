"""factory_boy factories and ids for the support desk's tests."""

from __future__ import annotations

import factory
from django.utils import timezone

from support.models import SupportSettings, SupportTicket

GUILD = 760_000_000_000_000_001
OTHER_GUILD = 760_000_000_000_000_002
CATEGORY = 761_000_000_000_000_001
OVERFLOW = 761_000_000_000_000_002
REQUESTER = 762_000_000_000_000_001
OTHER_MEMBER = 762_000_000_000_000_002
STAFF_ROLE = 763_000_000_000_000_001
ESCALATION_ROLE = 763_000_000_000_000_002
MOD = 764_000_000_000_000_001
SUPPORTER = 764_000_000_000_000_002  # holds only the support staff role


class SupportSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportSettings
        django_get_or_create = ("guild_id",)

    guild_id = GUILD
    staff_role_ids = factory.LazyFunction(lambda: [str(STAFF_ROLE)])
    escalation_role_id = ESCALATION_ROLE


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportTicket

    guild_id = GUILD
    number = factory.Sequence(lambda n: n + 1)
    user_id = REQUESTER
    topic = "Cannot log in"
    description = "It says my password is wrong."
    category_id = CATEGORY
    requester_last_message_at = factory.LazyFunction(timezone.now)
