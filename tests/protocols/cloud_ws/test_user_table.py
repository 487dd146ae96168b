"""Tests of paged listings and the user table read and written over the channel."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import pytest

from custom_components.access_terminal.protocols.cloud_ws import channel as channel_module
from custom_components.access_terminal.protocols.errors import (
    CommandCancelledError,
    DeviceError,
    InvalidRequestError,
    UserWriteError,
)
from custom_components.access_terminal.protocols.model import User
from custom_components.access_terminal.protocols.questionnaire import Questionnaire

from .helpers import PHOTO, ZONE, make, page

# -- paging --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pages", "asked"),
    [
        # count is the page's size: the listing ends with an empty page.
        ([page(1, 40, 40), page(41, 40, 40), page(81, 25, 25), page(0, 0, 0)], 4),
        # count is a total: the listing ends when it is reached.
        ([page(1, 40, 105), page(41, 40, 105), page(81, 25, 105)], 3),
        # a terminal that sends the last page again, or refuses the next one.
        ([page(1, 40, 40), page(41, 40, 40), page(81, 25, 25), page(81, 25, 25)], 4),
        ([page(1, 40, None), page(41, 40, None), page(81, 25, None), {"result": False}], 4),
    ],
)
async def test_user_listing_pages(pages: list[dict[str, Any]], asked: int) -> None:
    terminal, _listener, device = make()
    device.scripts["getuserlist"] = pages
    device.scripts["getuserinfo"] = lambda cmd: {
        "result": True,
        "enrollid": cmd["enrollid"],
        "name": f"User {cmd['enrollid']}",
        "backupnum": 11,
        "record": 1000 + cmd["enrollid"],
    }
    device.scripts["getuserlock"] = {"result": False}
    listed = await terminal.list_users(with_credentials=False)
    assert [user.user_id for user in listed] == [str(n) for n in range(1, 106)]
    assert listed[-1].name == "User 105"
    assert listed[-1].cards == ("1105",)
    assert device.commands().count("getuserlist") == asked


async def test_listing_of_some_users_with_credentials() -> None:
    terminal, _listener, device = make()
    device.scripts["getuserlist"] = [
        {
            "result": True,
            "count": 4,
            "from": 0,
            "to": 3,
            "record": [
                {"enrollid": 1, "admin": 1, "backupnum": 50},
                {"enrollid": 1, "admin": 1, "backupnum": 0},
                {"enrollid": 2, "admin": 0, "backupnum": 10},
                {"enrollid": 3, "admin": 0, "backupnum": 11},
            ],
        },
        {"result": True, "count": 0, "from": 0, "to": 0, "record": []},
    ]
    photo = base64.b64encode(PHOTO).decode()
    device.scripts["getuserinfo"] = lambda cmd: (
        {"result": True, "backupnum": 50, "record": photo}
        if cmd["backupnum"] == 50
        else {"result": False, "reason": 1}
    )
    device.scripts["getusername"] = {"result": True, "record": "Alice"}
    device.scripts["getuserlock"] = {
        "result": True,
        "starttime": "2024-01-01 00:00:00",
        "endtime": "2030-12-31 23:59:59",
    }
    (user,) = await terminal.list_users(["01"], with_credentials=True)
    assert (user.user_id, user.name, user.privilege) == ("1", "Alice", "admin")
    assert user.credentials.photo == PHOTO
    assert user.credentials.fingerprints == {}  # the read failed
    assert user.valid_until == datetime(2030, 12, 31, 23, 59, 59, tzinfo=ZONE)
    assert [c["cmd"] for c in device.sent] == [
        "getuserlist",
        "getuserlist",
        "getuserinfo",
        "getuserinfo",
        "getusername",
        "getuserlock",
    ]


async def test_listing_fails_when_the_first_page_is_refused() -> None:
    terminal, _listener, device = make()
    device.scripts["getuserlist"] = {"result": False, "reason": 1}
    with pytest.raises(DeviceError):
        await terminal.list_users()


async def test_paging_stops_at_the_page_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channel_module, "MAX_PAGES", 3)
    terminal, _listener, device = make()
    device.scripts["getholiday"] = lambda cmd: {
        "result": True,
        "holidays": [{"name": f"h{len(device.sent)}", "startday": "01-01"}],
    }
    holidays = await terminal.get_holidays()
    assert [h["name"] for h in holidays] == ["h1", "h2", "h3"]


async def test_all_logs_between_dates_are_not_repeated() -> None:
    terminal, listener, device = make()
    records = [{"enrollid": 1, "time": "2018-11-02 08:00:00", "mode": 3, "inout": 0, "event": 0}]
    nothing_new = {"result": True, "count": 0, "from": 0, "to": 0, "record": []}
    device.scripts["getnewlog"] = [nothing_new, nothing_new]
    device.scripts["getalllog"] = [
        {"result": True, "count": 1, "from": 0, "to": 0, "record": records},
        {"result": True, "count": 0, "from": 0, "to": 0, "record": []},
    ]
    start = datetime(2018, 11, 1, tzinfo=ZONE)
    end = datetime(2018, 12, 30, 23, 59, tzinfo=ZONE)
    assert await terminal.recover_records(start, end) == 1
    assert device.sent[0] == {"cmd": "getnewlog", "stn": True}  # what was not reported, first
    assert device.sent[1] == {
        "cmd": "getalllog",
        "from": "2018-11-1",
        "to": "2018-12-30",
        "stn": True,
    }
    assert len(listener.events) == 1
    listener.fail = True
    device.scripts["getalllog"] = [
        {"result": True, "count": 1, "from": 0, "to": 0, "record": records}
    ]
    with pytest.raises(CommandCancelledError):
        await terminal.recover_records(start, end)


# -- users ---------------------------------------------------------------------------------


async def test_set_users_reports_each_failure() -> None:
    terminal, _listener, device = make()
    device.scripts["setuserinfo"] = lambda cmd: {"result": cmd["enrollid"] != 2, "reason": 1}
    with pytest.raises(UserWriteError) as caught:
        await terminal.set_users(
            [
                User(user_id="1", name="A", cards=("123",)),
                User(user_id="2", name="B"),
                User(user_id="3", cards=("1", "2")),
                User(user_id="4", name="D", password="12"),
            ],
            keep_held_credentials={"4"},
        )
    assert set(caught.value.failures) == {"2", "3"}
    assert [(c["cmd"], c.get("enrollid"), c.get("backupnum")) for c in device.sent] == [
        ("setuserinfo", 1, 11),
        ("setuserinfo", 2, None),
        ("setuserinfo", 4, 10),
        ("deleteuser", 4, 11),  # user 4 may hold a card: gone now
    ]


async def test_delete_users() -> None:
    terminal, _listener, device = make()
    device.scripts["deleteuser"] = lambda cmd: {"result": cmd["enrollid"] == 1}
    with pytest.raises(UserWriteError) as caught:
        await terminal.delete_users(["1", "2"])
    assert list(caught.value.failures) == ["2"]
    assert device.sent[0] == {"cmd": "deleteuser", "enrollid": 1, "backupnum": 13}
    await terminal.delete_users(None)
    assert device.sent[-1] == {"cmd": "cleanuser"}


async def test_family_commands() -> None:
    terminal, listener, device = make()
    device.scripts["getusername"] = {"result": True, "record": "chingzou"}
    device.scripts["getuserprofile"] = {"result": True, "record": "hello"}
    device.scripts["getdevcap"] = {"result": True, "usersize": 15000, "useduser": 746}
    assert await terminal.get_user_name("1") == "chingzou"
    await terminal.enable_user("1", False)
    await terminal.get_user_access("1")
    await terminal.clear_admins()
    await terminal.get_settings()
    await terminal.set_settings(volume=8, sleep=1)
    await terminal.get_access_settings()
    await terminal.set_access_settings(opendelay=5)
    await terminal.get_questionnaire()
    await terminal.set_questionnaire(Questionnaire(title="inout event", items=("in", "out")))
    await terminal.set_holidays([{"name": "h", "startday": "01-01", "endday": "01-01"}])
    assert await terminal.get_screen_message(None) == "hello"
    await terminal.set_screen_message("3", "message")
    assert (await terminal.read_capabilities())["usersize"] == 15000
    assert terminal.info is not None
    assert terminal.info.usage["users"].used == 746
    assert listener.calls["state_changed"] == 1
    assert device.sent[1] == {"cmd": "enableuser", "enrollid": 1, "enflag": 0}
    assert {"cmd": "getuserprofile", "enrollid": 0} in device.sent
    with pytest.raises(InvalidRequestError):
        await terminal.set_holidays([{}] * 31)
    with pytest.raises(InvalidRequestError):
        await terminal.set_screen_message(None, "é" * 101)
