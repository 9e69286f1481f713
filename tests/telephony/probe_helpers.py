"""Helpers shared by the end-to-end prober tests."""

from __future__ import annotations

import asyncio

from rexian.telephony.sip import CallResult, ProbeConfig, probe_call

# What both peers accept: hotline_uas.xml (401) and kamailio_trunk.cfg (407).
CREDENTIALS = {"auth_user": "probe", "password": "secret"}


def call(uri: str, **options) -> CallResult:
    return asyncio.run(probe_call(ProbeConfig(uri, **options)))


def flow(result: CallResult) -> list[str]:
    """The ladder as ">INVITE", "<180", ... (method for requests, status for responses)."""
    steps = []
    for entry in result.ladder:
        words = entry.first_line.split(" ")
        token = words[1] if words[0] == "SIP/2.0" else words[0]
        steps.append((">" if entry.direction == "sent" else "<") + token)
    return steps
