# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line: ``python -m simulator [options]`` from the collection root (see simulator/README.md)."""

import argparse
import os
import signal
import sys
import threading

from . import DEFAULT_PORT, DEFAULT_SEED
from .app import Application
from .faults import FaultConfigError, Faults, parse_rate_limit
from .requestlog import RequestLog
from .server import NotLoopbackError, base_url, loopback_address, make_server
from .settings import CONNECTOR_SCHEMAS, NEWEST_CONNECTOR_SCHEMA, Settings, SettingsError, interrupt_delay, seconds
from .state import SeedError, Store, atomic_write_text


def _rate(text):
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not a number: %r" % text) from None


def _delay(text):
    try:
        return interrupt_delay(text)
    except SettingsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(name):
    def parse(text):
        try:
            return seconds(name, text)
        except SettingsError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Local simulator of Cloudflare's Magic Transit / Magic WAN API (/client/v4), for demos and tests.",
    )
    server = parser.add_argument_group("server")
    server.add_argument(
        "--host",
        default="127.0.0.1",
        help="loopback address to bind (127.0.0.0/8, ::1, localhost); default %(default)s",
    )
    server.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="TCP port, 0 picks a free one; default %(default)s"
    )
    server.add_argument("--port-file", metavar="PATH", help="write the bound port here (atomically) once listening")
    server.add_argument("--quiet", action="store_true", help="no access log on stderr")
    data = parser.add_argument_group("data")
    data.add_argument(
        "--seed", metavar="PATH", default=DEFAULT_SEED, help="seed document (default: simulator/seed.json)"
    )
    data.add_argument(
        "--state-file",
        metavar="PATH",
        help="load state from PATH if it exists (else the seed) and persist every acknowledged write to it atomically",
    )
    data.add_argument(
        "--fleet", type=int, default=0, metavar="N", help="add N generated connectors (SIM-FLEET-00001...) to the seed"
    )
    behaviour = parser.add_argument_group("behaviour (change at run time with PUT /__admin/settings)")
    behaviour.add_argument(
        "--interrupt-delay",
        type=_delay,
        default=0.0,
        metavar="S",
        help="seconds until a submitted interrupt runs (gets triggered_at); 'never' or a negative "
        "number keeps it pending; default 0",
    )
    behaviour.add_argument(
        "--heartbeat-interval",
        type=_seconds("heartbeat_interval"),
        default=0.0,
        metavar="S",
        help="seconds between an appliance's heartbeats (last_heartbeat advances with the clock; "
        "Cloudflare's appliances report every 10); default 0: heartbeats stay as stored",
    )
    behaviour.add_argument(
        "--interrupt-downtime",
        type=_seconds("interrupt_downtime"),
        default=30.0,
        metavar="S",
        help="seconds an appliance sends no heartbeat after a reboot or restart ran; default %(default)s",
    )
    behaviour.add_argument(
        "--connector-schema",
        choices=CONNECTOR_SCHEMAS,
        default=NEWEST_CONNECTOR_SCHEMA,
        help="2026-10: the newest published schema, connectors without site_id and primary (HA "
        "membership lives on sites; default); 2026-08: the older form that carries them",
    )
    behaviour.add_argument(
        "--strict-devices",
        action="store_true",
        help="refuse (404) a create naming an unknown hardware serial number instead of registering it",
    )
    faults = parser.add_argument_group(
        "fault injection (all off by default; change at run time with PUT /__admin/faults)"
    )
    faults.add_argument(
        "--latency-ms", type=float, default=0, metavar="MS", help="delay every API call by MS milliseconds"
    )
    faults.add_argument(
        "--rate-limit", metavar="N/W", help="allow N calls per W seconds per account, then answer 429 for W seconds"
    )
    faults.add_argument(
        "--rate-limit-mode",
        choices=("sliding", "fixed"),
        default="sliding",
        help="sliding: the calls of the last W seconds count; fixed: the calls since the window began",
    )
    faults.add_argument(
        "--other-consumer", metavar="N/W", help="another client spends N calls per W seconds of the same budget"
    )
    faults.add_argument(
        "--other-consumer-mode",
        choices=("steady", "burst"),
        default="steady",
        help="steady: evenly, as if running for a window already; burst: N calls at once just before the first call",
    )
    faults.add_argument(
        "--no-rate-limit-headers", action="store_true", help="leave the Ratelimit headers out of every answer"
    )
    faults.add_argument(
        "--error-rate", type=_rate, default=0.0, metavar="F", help="share of calls answered 500/502/503/504 unprocessed"
    )
    faults.add_argument(
        "--drop-rate", type=_rate, default=0.0, metavar="F", help="share of calls whose connection is closed unanswered"
    )
    faults.add_argument(
        "--malformed-rate", type=_rate, default=0.0, metavar="F", help="share of calls answered 200 with broken JSON"
    )
    faults.add_argument("--random-seed", type=int, metavar="N", help="seed of the fault dice, for reproducible runs")
    return parser


def fault_defaults(args):
    config = {
        "latency_ms": args.latency_ms,
        "error_rate": args.error_rate,
        "drop_rate": args.drop_rate,
        "malformed_rate": args.malformed_rate,
        "random_seed": args.random_seed,
    }
    if args.rate_limit:
        config["rate_limit"] = dict(parse_rate_limit(args.rate_limit), mode=args.rate_limit_mode)
    if args.other_consumer:
        config["other_consumer"] = dict(parse_rate_limit(args.other_consumer), mode=args.other_consumer_mode)
    if args.no_rate_limit_headers:
        config["rate_limit_headers"] = False
    return config


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.fleet < 0:
        parser.error("--fleet must be >= 0")
    try:
        loopback_address(args.host)  # refuse before anything else happens (no state file written)
        faults = Faults(fault_defaults(args))
        store = Store(args.seed, state_file=args.state_file, fleet=args.fleet)
    except (NotLoopbackError, SeedError, FaultConfigError) as exc:
        print("simulator: error: %s" % exc, file=sys.stderr)
        return 2
    except OSError as exc:
        print("simulator: error: cannot write the state file %s: %s" % (args.state_file, exc), file=sys.stderr)
        return 1
    try:
        settings = Settings(
            args.interrupt_delay,
            args.strict_devices,
            args.heartbeat_interval,
            args.interrupt_downtime,
            args.connector_schema,
        )
        server = make_server(
            args.host, args.port, Application(store, faults, RequestLog(), settings=settings, quiet=args.quiet)
        )
    except OSError as exc:
        print("simulator: error: cannot listen on %s port %s: %s" % (args.host, args.port, exc), file=sys.stderr)
        return 1

    host, port = server.server_address[:2]

    def stop(signum, _frame):
        if not args.quiet:
            print("simulator: %s received, shutting down" % signal.Signals(signum).name, file=sys.stderr, flush=True)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("Magic API simulator listening on %s" % base_url(host, port), flush=True)
    if args.port_file:
        atomic_write_text(os.path.abspath(args.port_file), "%d\n" % port)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
