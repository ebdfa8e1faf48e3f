"""The emulated REST API (v10), split by resource.

* :mod:`~botworker.emulator.rest.router`: the aiohttp handler: faults, attachment downloads,
  routing, authentication, request recording.
* :mod:`~botworker.emulator.rest.plumbing`: request parsing and JSON answers.
* Routes, one module per resource, each with its ``ROUTES`` table:
  :mod:`~botworker.emulator.rest.users` (``/users/@me``, the application, DMs, ``/gateway``),
  :mod:`~botworker.emulator.rest.channels`, :mod:`~botworker.emulator.rest.messages` (and pins),
  :mod:`~botworker.emulator.rest.guilds` (roles, members),
  :mod:`~botworker.emulator.rest.commands` (application commands) and
  :mod:`~botworker.emulator.rest.interactions` (callbacks and interaction webhooks).

Behaviour worth knowing (all ids are strings, as in Discord's JSON):

* Authentication: every route except ``/interactions/...``, ``/webhooks/...``, ``/gateway`` and
  the attachment downloads needs ``Authorization: Bot <token>``; otherwise 401
  ``{"message": "401: Unauthorized", "code": 0}``.
* Injected failures are checked before routing and authentication (see
  :mod:`botworker.emulator.faults`); then Discord's rate limits when they are on (see
  :mod:`botworker.emulator.rate_limits`: per-route buckets, the global limit, ``X-RateLimit-*``
  headers and 429s).
* JSON answers use the exact content type ``application/json`` (discord.py only decodes JSON
  when the header is exactly that).
* Not emulated: permission checks on REST routes, reactions, threads, polls, stickers, voice
  and the invalid-request limit (Cloudflare bans).
"""
