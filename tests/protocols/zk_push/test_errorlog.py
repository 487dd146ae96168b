"""Error logs a ZK terminal uploads become `device_error` events (section 10.12, Appendix 17)."""

from __future__ import annotations

import pytest

from custom_components.access_terminal.protocols.model import ErrorReason, EventType
from custom_components.access_terminal.protocols.zk_push.errorlog import ERROR_LOG_CODES

from .helpers import Device


async def upload(device: Device, *rows: str) -> str:
    reply = await device.rows("errorlog", "\n".join(rows), count=str(len(rows)))
    assert reply.status == 200
    return reply.text


async def test_the_document_example_is_an_event(controller: Device) -> None:
    row = "errorlog errcode=D01E0001 errmsg= dataorigin=cmd cmdid=123 additional="
    assert await upload(controller, row) == "errorlog=1"
    (event,) = controller.listener.events
    assert event.type is EventType.DEVICE_ERROR
    assert event.reason is ErrorReason.FACE_NOT_DETECTED
    assert event.raw_code == "errorlog:D01E0001"
    # It came from one of our commands: the detail says which.
    assert event.detail == "face detection failed (command 123)"
    assert (event.user_id, event.photo) == (None, None)
    assert controller.listener.user_changes == []


def test_every_named_code_has_its_reason() -> None:
    """Appendix 17 names six codes; each has its own reason."""
    assert set(ERROR_LOG_CODES) == {f"D01E000{number}" for number in range(1, 7)}
    reasons = {reason for reason, _ in ERROR_LOG_CODES.values()}
    assert len(reasons) == len(ERROR_LOG_CODES)
    assert all(reason.startswith(("face", "liveness", "template")) for reason in reasons)


@pytest.mark.parametrize(
    ("row", "detail"),
    [
        (
            "errcode=D02E0042\terrmsg=bad template\tdataorigin=dev",
            "error 42 of the template processing module: bad template",
        ),
        ("errcode=D09E0001", "error 1 of the device"),
        ("errcode=S01E0007", "error 7 of the software"),
        ("errcode=d07e000a", "error 000A of the license service module"),
    ],
)
async def test_other_codes_are_described_by_their_module(
    controller: Device, row: str, detail: str
) -> None:
    await upload(controller, row)
    (event,) = controller.listener.events
    assert (event.reason, event.detail) == (ErrorReason.OTHER, detail)


async def test_success_is_no_error(controller: Device) -> None:
    assert await upload(controller, "errcode=00000000\tdataorigin=cmd\tcmdid=5") == "errorlog=1"
    assert controller.listener.received == []


@pytest.mark.parametrize(
    "row",
    ["errcode=\terrmsg=x", "errmsg=no code", "errcode=D01E01", "errcode=D01E0001;DROP", "x=1"],
)
async def test_unreadable_rows_are_acknowledged_and_counted(
    controller: Device, caplog: pytest.LogCaptureFixture, row: str
) -> None:
    """A row without an error code of eight characters is left out, the upload acknowledged."""
    good = "errorlog errcode=D01E0002"
    assert await upload(controller, f"errorlog {row}", good) == "errorlog=2"
    (event,) = controller.listener.events
    assert event.reason is ErrorReason.FACE_COVERED
    assert controller.terminal.problems.counts["errorlog row"] == 1
    assert "errcode" in caplog.text


async def test_descriptions_stay_short(controller: Device) -> None:
    """A device's message is cut: it goes to the bus and the logbook."""
    await upload(controller, f"errcode=D01E0003\terrmsg={'x' * 1000}\tcmdid=99999999999999")
    (event,) = controller.listener.events
    assert event.detail == f"picture not clear enough: {'x' * 128}"
