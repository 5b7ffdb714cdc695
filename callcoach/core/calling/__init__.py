"""Calling: the call block and everything a rep does in it.

``lifecycle`` (start, pause, resume, switch list, end, recover, remaining time, heartbeat),
``serving`` (the next contact, the contact on screen, its history), ``queue`` (which contact
comes next and when unreached ones return), ``dialling`` (dial, the dial command, notes),
``objections``, ``outcomes`` (the rules of logging a call, its meeting invite),
``callbacks``, ``meetings``, ``invites``, ``journal`` (outcomes kept offline and replayed),
``calltimer`` and ``summary``. Their SQL lives in :mod:`callcoach.storage.sql`.
"""
