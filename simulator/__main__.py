"""Command line: ``python -m simulator <family> [options]`` runs one simulated terminal."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import sys

from simulator import cloud_ws, control_api, httpv2, webjson, zk_push
from simulator.cli import SimulatorFamily, setup_logging

# Every family adds its SimulatorFamily here and so gets its own subcommand.
FAMILIES: tuple[SimulatorFamily, ...] = (
    httpv2.FAMILY,
    zk_push.FAMILY,
    cloud_ws.FAMILY,
    webjson.FAMILY,
    control_api.FAMILY,
)


def build_parser(families: Sequence[SimulatorFamily] = FAMILIES) -> argparse.ArgumentParser:
    """Return the parser with one subcommand per family."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator", description="Simulate an access terminal."
    )
    subparsers = parser.add_subparsers(dest="family", required=True, metavar="family")
    for family in families:
        subparser = subparsers.add_parser(family.name, help=family.help, description=family.help)
        family.add_arguments(subparser)
        subparser.set_defaults(run=family.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run the chosen simulator until Ctrl-C."""
    args = build_parser().parse_args(argv)
    setup_logging(verbose=args.verbose)
    try:
        asyncio.run(args.run(args))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
