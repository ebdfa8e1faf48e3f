"""How each domain object looks in Discord: message bodies, embeds, buttons, DMs and the text of
refusals. Handlers (answering an interaction) and receivers (posting or editing through the
outbox) both use these functions, so an object looks the same wherever it appears."""
