"""How each domain object looks in Discord: one module per domain app (``presenters/shifts.py``,
``presenters/scheduling.py``, ...), one function per object returning a
:class:`~botworker.interactions.Reply` (its message, embeds, buttons or DM).

The handler that answers about an object and the receiver that posts or edits it through the
outbox call the same presenter, so the object looks the same whichever way it reaches Discord.
Presenters only format: they take domain objects and plain values (instants as datetimes, members
as user ids) and turn them into Discord markup (``<t:…>``, ``<@…>``); they never write.
"""
