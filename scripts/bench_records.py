"""What reading one record costs, before and after the validation layer, in one run.

    .venv/bin/python scripts/bench_records.py [--base main] [--number 20000]

The record readers of a git revision (`--base`, main by default) are extracted to a temporary
folder and imported under another name, next to the working tree's; each reads the same records
(the documents' examples, as terminals send them) and the time per record is compared. Only the
protocol library is involved (no Home Assistant): the figure is the parsing and validation alone.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
import importlib
import io
from pathlib import Path
import subprocess
import sys
import tarfile
import tempfile
import time
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ZONE = timezone(timedelta(hours=8))


def extract(revision: str, into: Path) -> None:
    """Write the protocol library of `revision` to `into`/before/protocols."""
    archive = subprocess.run(  # noqa: S603 - a fixed tool on our own repository
        ["git", "archive", revision, "custom_components/access_terminal/protocols"],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    package = into / "before"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (into / "custom_components/access_terminal/protocols").rename(package / "protocols")


def workloads(protocols: str) -> dict[str, Callable[[], Any]]:
    """Return one call per family that reads a typical record with the given library."""

    def module(name: str) -> ModuleType:
        return importlib.import_module(f"{protocols}.{name}")

    now = datetime.now(UTC)
    date = int(now.timestamp()) - 5
    local = (now + timedelta(hours=8) - timedelta(seconds=5)).strftime("%Y-%m-%d %H:%M:%S")
    httpv2, zk = module("httpv2.codes"), module("zk_push.codes")
    cloud, webjson, control = (
        module("cloud_ws.codes"),
        module("webjson.records"),
        module("control_api.logs"),
    )
    detail = {
        "RecordID": 120,
        "RecordType": 3,
        "RecordDate": date,
        "UserID": "1",
        "Name": "Ann",
        "CardNum": "0",
        "IsEntry": 1,
        "BodyTemp": 365,
        "PhotoLen": 40363,
    }
    rtlog = (
        f"time={local}\tpin=42\tcardno=0\tsitecode=0\tlinkid=0\teventaddr=1\tevent=0\t"
        "inoutstatus=0\tverifytype=15\tindex=7\tmaskflag=1\ttemperature=36.5"
    )
    punch = f"42\t{local}\t0\t15\t0\t0\t0"
    transaction = (
        "cardno=4242\tpin=12\tverified=15\tdoorid=2\teventtype=0\tinoutstate=1\t"
        "time_second=583512660\tindex=93\tmaskflag=0\ttemperature=36.1"
    )
    log = {"enrollid": 1, "time": local, "mode": 8, "inout": 0, "event": 0, "temp": 36.5}
    realtime = {"enrollid": 2, "time": local, "mode": 3, "event": 1, "name": "Bob"}
    attend = {"user_id": "7", "time": local.replace(" ", "T"), "mode": "face"}
    return {
        "httpv2 identify record": lambda: httpv2.identify_record(detail, None, now),
        "zk rtlog line": lambda: zk.rtlog_record(rtlog, ZONE, now),
        "zk ATTLOG punch": lambda: zk.attlog_record(punch, ZONE, now),
        "zk transaction row": lambda: zk.transaction_record(transaction, ZONE, now),
        "cloud_ws log item": lambda: cloud.log_record(log, ZONE, now),
        "webjson real-time record": lambda: webjson.rtlog_record(realtime, ZONE, now),
        "control_api attendance log": lambda: control.log_record(attend, 5, ZONE, now),
    }


def per_record(call: Callable[[], Any], number: int) -> float:
    """Return the best of five runs' time per call, in microseconds."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(number):
            call()
        best = min(best, (time.perf_counter() - started) / number)
    return best * 1e6


def main() -> None:
    """Measure both libraries in this one process and print the ratios."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--base", default="main", help="git revision to compare with")
    parser.add_argument("--number", type=int, default=20_000, help="records per run")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as folder:
        extract(args.base, Path(folder))
        sys.path.insert(0, folder)
        before = workloads("before.protocols")
        after = workloads("custom_components.access_terminal.protocols")
        print(f"{'record':30s} {args.base:>10s} {'this tree':>10s}  ratio")
        for name, call in before.items():
            old, new = per_record(call, args.number), per_record(after[name], args.number)
            print(f"{name:30s} {old:8.2f} us {new:8.2f} us  {new / old:5.2f}")


if __name__ == "__main__":
    main()
