"""Type-ahead: keys pressed just after the key that opens a form land in the form, in order.

A rep types "7", then the meeting's date, tab, the time, without waiting for the form to
show. Until the form is mounted with its first field focused, the app keeps the keys that
come in (:meth:`TypeAhead.take`, from ``App.on_event``) instead of routing them to a screen
that is not ready, which would drop them or give them to the wrong field. Once the form is
ready, they are handed to it in order (:meth:`TypeAhead.hand`): a priority binding (the
forms' ``tab``) runs at once, so the keys after it go to the next field; any other key goes
to the focused field. Keys that the covered screen had been given already (a burst) are
stamped by it (:func:`stamp`) and handed on the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

#: The attributes stamped on keys: the screen they were typed on; handed on once already.
_TYPED_ON = "callcoach_typed_on"
_HANDED_ON = "callcoach_handed_on"

#: Field-to-field keys for forms, run before the next key is routed.
FORM_FOCUS_BINDINGS = [
    Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
]


def stamp(event: events.Key, screen: Screen) -> None:
    """Note that ``event`` was typed on ``screen`` (called from the screen's ``on_key``)."""
    if not hasattr(event, _TYPED_ON):
        setattr(event, _TYPED_ON, screen)


class TypeAhead:
    """The app's keys typed ahead of a form that is still opening."""

    def __init__(self) -> None:
        self._opening: Screen | None = None
        self._keys: list[events.Key] = []
        self._tasks: set[asyncio.Task] = set()

    def open(self, app: App, form: Screen, then: Callable[[Any], object] | None = None) -> None:
        """Push ``form`` and keep the keys typed until it is mounted (and focused), then
        hand them to it."""
        self._opening = form
        mounted = app.push_screen(form, then)

        async def when_mounted() -> None:
            try:
                await mounted
            finally:
                app.call_later(self._release, app)

        task = asyncio.get_running_loop().create_task(when_mounted())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def take(self, event: events.Event) -> bool:
        """Keep ``event`` while a form is opening: a key from the terminal, or one typed on
        the screen the form covers. True when kept (the app stops there)."""
        if self._opening is None or not isinstance(event, events.Key):
            return False
        typed_on = getattr(event, _TYPED_ON, None)
        if event.is_forwarded and (typed_on is None or typed_on is self._opening):
            return False  # a key already inside the form (or another screen's own)
        self._keys.append(event)
        return True

    async def _release(self, app: App) -> None:
        while self._keys:
            await self.hand(app, self._keys.pop(0))
        self._opening = None

    async def hand(self, app: App, event: events.Key) -> None:
        """Give a kept key to the screen on top: its priority bindings run now; else the key
        goes to the focused widget, or (nothing focused) runs the screen's binding for it."""
        # Textual has no public way to run a key's priority bindings before the next key.
        if await app._check_bindings(event.key, priority=True):
            return
        top = app.screen
        if top.focused is None:  # nothing to type into (a yes/no question): its keys
            await app._check_bindings(event.key)
            return
        again = events.Key(event.key, event.character)
        setattr(again, _HANDED_ON, True)
        again.set_sender(app)
        top.focused.post_message(again)

    async def hand_on(self, app: App, event: events.Key) -> bool:
        """Hand on a key typed on a screen that a form has covered since it was typed (a
        burst the covered screen was given); True when handed on (the caller stops it)."""
        typed_on = getattr(event, _TYPED_ON, None)
        if typed_on is None or getattr(event, _HANDED_ON, False) or not app.screen_stack:
            return False
        if typed_on is app.screen_stack[-1] or not app.screen_stack[-1].is_modal:
            return False
        await self.hand(app, event)
        return True
