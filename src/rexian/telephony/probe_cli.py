"""``rexian probe call SIP_URI``: place one test call (拨测) from the command line.

Pure asyncio and standard library, no Django: the prober must run on a box
next to the trunk without the web application's settings or database.
``register`` is called by the project's CLI registry with its subparsers.

Exit status: 0 answered, 1 any other outcome, 2 invalid arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from .sip import Outcome, ProbeConfig, probe_call

PASSWORD_ENV = "REXIAN_SIP_PASSWORD"
_SUMMARY_FIELDS = ("seconds_to_first_response", "seconds_to_ringing", "seconds_to_answer", "rtp_packets_in")


def register(subparsers: argparse._SubParsersAction) -> None:
    probe = subparsers.add_parser("probe", help="SIP test calls to a hotline (拨测)")
    actions = probe.add_subparsers(dest="probe_command", required=True, metavar="ACTION")
    call = actions.add_parser(
        "call",
        help="place one test call and report the outcome",
        description="Call SIP_URI, measure how fast it rings and answers, hang up after --hold seconds.",
    )
    call.add_argument("uri", metavar="SIP_URI", help="e.g. sip:12345@trunk.example.cn:5060")
    call.add_argument("--ring-timeout", type=float, default=30.0, metavar="S",
                      help="CANCEL after S seconds (default 30)")
    call.add_argument("--hold", type=float, default=5.0, metavar="S",
                      help="stay connected S seconds once answered (default 5)")
    call.add_argument("--auth-user", metavar="U", help="digest user for 401/407 challenges")
    call.add_argument("--password", metavar="P",
                      help=f"digest password (default: ${PASSWORD_ENV}, which keeps it out of ps)")
    call.add_argument("--proxy", metavar="HOST:PORT", help="outbound proxy; all signalling goes there")
    call.add_argument("--local-ip", metavar="IP", help="local address to bind and advertise")
    call.add_argument("--transport", choices=["udp", "tcp"],
                      help="default: the URI's transport parameter, else udp")
    call.add_argument("--from-user", metavar="USER", help="caller number in From (default: auth user)")
    call.add_argument("--from-domain", metavar="HOST", help="host part of From (default: the URI's host)")
    call.add_argument("--capture", metavar="FILE.wav", help="save the received audio as 8 kHz 16-bit WAV")
    call.add_argument("--no-send-rtp", dest="send_rtp", action="store_false",
                      help="do not send silence frames")
    call.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    call.set_defaults(func=handle_call)


def handle_call(args: argparse.Namespace) -> int:
    password = args.password if args.password is not None else os.environ.get(PASSWORD_ENV)
    try:
        config = ProbeConfig(
            target=args.uri,
            ring_timeout=args.ring_timeout,
            hold=args.hold,
            auth_user=args.auth_user,
            password=password if args.auth_user else None,
            proxy=args.proxy,
            local_ip=args.local_ip,
            transport=args.transport,
            from_user=args.from_user,
            from_domain=args.from_domain,
            capture=args.capture,
            send_rtp=args.send_rtp,
        )
    except ValueError as exc:
        print(f"rexian probe call: {exc}", file=sys.stderr)
        return 2
    result = asyncio.run(probe_call(config))
    if args.json:
        print(result.to_json())
    else:
        detail = result.final_reason or result.error or ""
        print(f"{result.outcome.value}: {result.final_status or '-'} {detail}".rstrip())
        for name in _SUMMARY_FIELDS:
            print(f"  {name}: {getattr(result, name)}")
    return 0 if result.outcome is Outcome.ANSWERED else 1
