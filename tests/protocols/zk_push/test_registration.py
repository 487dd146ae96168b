"""Tests of the ZK PUSH hand-shake: variants, registration, sessions and tokens."""

from __future__ import annotations

import re

import pytest

from custom_components.access_terminal.protocols.model import Operation
from custom_components.access_terminal.protocols.zk_push import (
    Endpoint,
    Variant,
    registration as registration_module,
)
from custom_components.access_terminal.protocols.zk_push.wire import parse_options

from .helpers import REGISTRY, RTLOG_EXAMPLE, SERVER_PARAMETERS, Device, md5

# -- hand-shake ----------------------------------------------------------------------------------


async def test_unregistered_controller_gets_ok(device: Device) -> None:
    reply = await device.handshake(pushver="3.1.2")
    assert (reply.status, reply.body) == (200, b"OK")
    terminal = device.terminal
    assert terminal.variant is Variant.SECURITY
    assert terminal.registry_code is None
    # No door exists until the controller says how many it has.
    assert terminal.doors == {}
    assert device.listener.calls["seen"] == 1


async def test_registry_answers_the_code_exactly(device: Device) -> None:
    await device.handshake(pushver="3.1.2")
    reply = await device.send(Endpoint.REGISTRY, REGISTRY)
    code = device.terminal.registry_code
    assert code is not None
    assert re.fullmatch(r"[A-Za-z0-9]{10}", code)
    assert (reply.status, reply.body) == (200, f"RegistryCode={code}".encode())
    # Registering again keeps the code.
    assert (await device.send(Endpoint.REGISTRY, REGISTRY)).text == f"RegistryCode={code}"
    terminal = device.terminal
    assert terminal.options["DeviceName"] == "InBio460"
    assert "~DeviceName" not in terminal.options
    assert list(terminal.doors) == [1, 2, 3, 4]
    assert terminal.supports(Operation.OPEN_DOOR)
    assert terminal.supports(Operation.LOCKOUT)
    assert device.listener.calls["persist"] >= 2
    assert device.listener.calls["state_changed"] >= 1


async def test_registry_without_parameters_is_refused(device: Device) -> None:
    reply = await device.send(Endpoint.REGISTRY, "")
    assert (reply.status, reply.text) == (406, "registration without device parameters")
    assert device.terminal.registry_code is None


async def test_push_hands_out_the_parameters_and_a_new_session(controller: Device) -> None:
    first = controller.session
    lines = await controller.push()
    session = controller.session
    assert re.fullmatch(r"[0-9A-F]{32}", session)
    assert session != first
    assert lines == [
        *SERVER_PARAMETERS,
        f"SessionID={session}",
        "TimeoutSec=10",
        "MultiBioDataSupport=0:1:0:0:0:0:0:0:1:1",
        "MultiBioPhotoSupport=0:0:0:0:0:0:0:0:0:1",
        "IRTempUnitTrans=0",
    ]


async def test_push_takes_the_options_it_carries(plain: Device) -> None:
    reply = await plain.send(Endpoint.PUSH, "LockCount=2,Door2Drivertime=9")
    assert reply.status == 200
    assert list(plain.terminal.doors) == [1, 2]
    assert "MultiBioDataSupport" not in reply.text


async def test_push_before_registration_is_refused(device: Device) -> None:
    reply = await device.send(Endpoint.PUSH, "LockCount=2")
    assert (reply.status, reply.text) == (406, "not registered")


async def test_registered_controller_gets_its_parameters(controller: Device) -> None:
    reply = await controller.handshake(pushver="3.1.2")
    session = parse_options(reply.text)["SessionID"]
    assert session != controller.session
    assert reply.text.split("\n") == [
        "registry=ok",
        f"RegistryCode={controller.terminal.registry_code}",
        *SERVER_PARAMETERS,
        f"SessionID={session}",
        "TimeoutSec=10",
    ]
    # A controller keeps its variant even when it leaves pushver out.
    assert (await controller.handshake()).text.startswith("registry=ok")


@pytest.mark.parametrize(
    ("query", "variant"),
    [
        ({"pushver": "3.1.2"}, Variant.SECURITY),
        ({"pushver": "3"}, Variant.SECURITY),
        ({"DeviceType": "acc"}, Variant.SECURITY),
        ({"pushver": "2.4.1"}, Variant.ATTENDANCE),
        ({"pushver": "abc"}, Variant.ATTENDANCE),
        ({}, Variant.ATTENDANCE),
    ],
)
async def test_variant_detection(device: Device, query: dict[str, str], variant: Variant) -> None:
    await device.handshake(**query)
    assert device.terminal.variant is variant
    assert device.terminal.supports(Operation.LIST_USERS)
    assert device.terminal.supports(Operation.OPEN_DOOR) is (variant is Variant.SECURITY)


async def test_attendance_after_an_attlog_upload(device: Device) -> None:
    reply = await device.upload("ATTLOG", "7\t2024-05-01 08:00:00\t0\t1\t0\t0")
    assert reply.text == "OK: 1"
    assert device.terminal.variant is Variant.ATTENDANCE
    assert (await device.handshake()).text.startswith("GET OPTION FROM: ")
    assert device.terminal.variant is Variant.ATTENDANCE


async def test_attendance_terminal_operations(attendance: Device) -> None:
    terminal = attendance.terminal
    assert terminal.operations == {
        Operation.LIST_USERS,
        Operation.SET_USERS,
        Operation.DELETE_USERS,
        Operation.ENROLL,
        Operation.SET_TIME,
        Operation.REBOOT,
    }
    assert terminal.doors == {}
    assert terminal.info is not None
    assert terminal.info.doors == 0
    assert terminal.info.keepalive_interval == 10


# -- tokens --------------------------------------------------------------------------------------


async def test_token_required_once_the_terminal_sent_one(controller: Device) -> None:
    terminal, listener = controller.terminal, controller.listener
    assert (await controller.get(Endpoint.PING)).text == "OK"
    assert terminal.diagnostics()["token_required"] is False
    persists = listener.calls["persist"]
    controller.cookie = f"token={controller.token()}"
    assert (await controller.get(Endpoint.PING)).text == "OK"
    assert terminal.token_required
    assert listener.calls["persist"] == persists + 1
    controller.cookie = None
    seen = listener.calls["seen"]
    refused = await controller.upload("rtlog", RTLOG_EXAMPLE)
    assert (refused.status, refused.text) == (401, "Unauthorized")
    assert (await controller.get(Endpoint.GETREQUEST)).status == 401
    assert listener.received == []
    assert listener.calls["seen"] == seen
    # The hand-shake is never refused: it is how a terminal gets a new session.
    assert (await controller.handshake(pushver="3.1.2")).text.startswith("registry=ok")
    assert (await controller.send(Endpoint.REGISTRY, REGISTRY)).status == 200
    assert (await controller.send(Endpoint.PUSH)).status == 200
    assert (await controller.send(Endpoint.EXCHANGE, type="publickey")).status == 406


async def test_token_cookie_with_timestamp_and_upper_case(controller: Device) -> None:
    cookie = f"token={controller.token().upper()}, timestamp=1547000000"
    assert (await controller.get(Endpoint.PING, cookie=cookie)).status == 200
    assert controller.terminal.token_required


@pytest.mark.parametrize("token", ["abcdef", md5("wrong")])
async def test_stale_or_wrong_tokens_are_refused(controller: Device, token: str) -> None:
    assert await controller.ping(token) == 401
    assert not controller.terminal.token_required


async def test_tokens_before_registration_are_refused(device: Device) -> None:
    assert await device.ping(md5("x")) == 401
    # Its hand-shake is answered.
    assert (await device.handshake(pushver="3.1.2", cookie=f"token={md5('x')}")).text == "OK"


@pytest.mark.parametrize(
    ("grace", "status"), [(registration_module.SESSION_GRACE, 200), (-1.0, 401)]
)
async def test_previous_session_valid_for_a_while(
    controller: Device, monkeypatch: pytest.MonkeyPatch, grace: float, status: int
) -> None:
    # Tokens of the session before the latest push are still in flight for a while.
    monkeypatch.setattr(registration_module, "SESSION_GRACE", grace)
    old = controller.session
    await controller.push()
    assert await controller.ping(controller.token(old)) == status
    assert await controller.ping(controller.token()) == 200


async def test_token_must_be_its_own_cookie(controller: Device) -> None:
    """`xtoken=<md5>` is not the token: a terminal that uses tokens is refused with it."""
    assert await controller.ping(controller.token()) == 200
    reply = await controller.get(Endpoint.PING, cookie=f"xtoken={controller.token()}")
    assert reply.status == 401
