"""Lists that can outgrow one message are paged, never cut.

A handler that answers with a list registers it once with :func:`paged_list`: a name and a
builder that computes the whole list for an invocation (``build(inv, arg) -> PagedText``). Its
answer is the first page with Previous/Next buttons; a button carries the list's name, the
builder's argument and the page number (``page:alloc_show.0.2``), so a click recomputes the list
from the database (nothing is kept in memory) and shows that page in place. The builder runs with
the clicking member's invocation, so it re-checks who may see what, as every button must.

Pages break between lines, never inside one; a page holds at most ``max_lines`` lines and fits
Discord's 2,000 characters with its header and footer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from botworker.interactions import limits
from botworker.interactions.replies import Reply, button
from botworker.interactions.routing import Invocation, router

PAGE_ACTION = "page"
# name . argument . page (the argument is a short token: an id, a period, or empty)
_TARGET = r"(?P<name>[a-z][a-z0-9_]{0,30})\.(?P<arg>[A-Za-z0-9_-]{0,40})\.(?P<page>\d{1,4})"
TARGET_RE = re.compile(_TARGET)
DEFAULT_MAX_LINES = 15


@dataclass
class PagedText:
    """A list as text: `header` on every page (a title, a summary), the `lines`, and a `footer`
    shown on every page (a total). `empty` is shown when there are no lines."""

    lines: list[str]
    header: str = ""
    footer: str = ""
    empty: str = "Nothing to show."
    max_lines: int = DEFAULT_MAX_LINES
    extra_components: list[list[dict]] = field(default_factory=list)


Builder = Callable[[Invocation, str], PagedText]


@dataclass(frozen=True)
class PagedList:
    name: str
    build: Builder

    def reply(self, inv: Invocation, *, arg: str = "", page: int = 0, ephemeral: bool = True) -> Reply:
        """The answer showing `page` (0-based) of the list."""
        return render_page(self.name, arg, self.build(inv, arg), page=page, ephemeral=ephemeral)


_REGISTRY: dict[str, PagedList] = {}


def paged_list(name: str, build: Builder) -> PagedList:
    """Register a paged list under `name` (lowercase letters, digits, underscores)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", name):
        raise ValueError(f"paged list name {name!r} must be lowercase letters, digits and underscores")
    if name in _REGISTRY:
        raise ValueError(f"paged list {name!r} is registered twice")
    _REGISTRY[name] = PagedList(name=name, build=build)
    return _REGISTRY[name]


def split_pages(text: PagedText) -> list[str]:
    """The pages' bodies: whole lines, at most `max_lines` each, each page within Discord's limit
    once the header and footer are added."""
    frame = len(text.header) + len(text.footer) + 40  # newlines and the page counter
    budget = limits.CONTENT - frame
    pages: list[list[str]] = [[]]
    used = 0
    for raw in text.lines:
        line = limits.clip(raw, budget)  # a single line longer than a page is the only cut
        if pages[-1] and (len(pages[-1]) >= text.max_lines or used + len(line) + 1 > budget):
            pages.append([])
            used = 0
        pages[-1].append(line)
        used += len(line) + 1
    return ["\n".join(lines) for lines in pages]


def render_page(name: str, arg: str, text: PagedText, *, page: int, ephemeral: bool, update: bool = False) -> Reply:
    bodies = split_pages(text) if text.lines else [text.empty]
    page = min(max(page, 0), len(bodies) - 1)
    parts = [part for part in (text.header, bodies[page], text.footer) if part]
    components = [row[:] for row in text.extra_components]
    if len(bodies) > 1:
        parts.append(f"-# Page {page + 1} of {len(bodies)}")
        components.insert(
            0,
            [
                button("◀ Previous", f"{PAGE_ACTION}:{name}.{arg}.{page - 1}", style=2, disabled=page == 0),
                button("Next ▶", f"{PAGE_ACTION}:{name}.{arg}.{page + 1}", style=2, disabled=page == len(bodies) - 1),
            ],
        )
    return Reply(content="\n".join(parts), components=components, ephemeral=ephemeral, update=update)


@router.component(PAGE_ACTION, target=_TARGET)
def page_clicked(inv: Invocation) -> Reply:
    """Previous/Next: recompute the list for the member who clicked and show the page asked for."""
    match = TARGET_RE.fullmatch(inv.target)
    paged = _REGISTRY.get(match["name"]) if match else None
    if paged is None:
        return Reply.error("That list is no longer available; run the command again.")
    text = paged.build(inv, match["arg"])
    return render_page(paged.name, match["arg"], text, page=int(match["page"]), ephemeral=True, update=True)
