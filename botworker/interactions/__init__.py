"""Interactions: slash commands, buttons, menus and modals, the same way for both transports.

``routing`` holds the registry (:data:`router`) and the dispatcher, ``replies`` what a handler
answers, ``render`` and ``limits`` the one renderer and Discord's limits, ``handling`` turns a
payload into an invocation and answers it once per interaction id (``records``), ``endpoint`` is
the signed HTTP endpoint, ``webhooks`` the callback and follow-up calls to Discord, and
``registration`` registers the slash commands with Discord.

Handlers import what they need from here::

    from botworker.interactions import Invocation, Option, Reply, router
"""

from botworker.interactions.handling import InvalidInteraction, handle_interaction, parse_invocation, run_deferred
from botworker.interactions.paging import PagedText, paged_list
from botworker.interactions.render import render_interaction_response, render_message
from botworker.interactions.replies import (
    Choice,
    Modal,
    Reply,
    ReplyFile,
    TextInput,
    button,
    link_button,
    string_select,
)
from botworker.interactions.routing import (
    InteractionType,
    Invocation,
    Option,
    OptionType,
    Router,
    router,
)

__all__ = [
    "PagedText",
    "paged_list",
    "Choice",
    "InteractionType",
    "InvalidInteraction",
    "Invocation",
    "Modal",
    "Option",
    "OptionType",
    "Reply",
    "ReplyFile",
    "Router",
    "TextInput",
    "button",
    "handle_interaction",
    "link_button",
    "parse_invocation",
    "render_interaction_response",
    "render_message",
    "router",
    "run_deferred",
    "string_select",
]
