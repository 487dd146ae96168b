"""Tests of HTTPv2 people: User <-> PeopleJson and the queue of people waiting for the device."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
import hashlib
import json
from typing import Any

import pytest

from custom_components.access_terminal.protocols.codec import loads_lenient
from custom_components.access_terminal.protocols.errors import (
    CommandCancelledError,
    InvalidRequestError,
    TerminalClosedError,
    UnconfirmedError,
    UserWriteError,
)
from custom_components.access_terminal.protocols.httpv2.people import (
    MAX_MERGE_QUERIES,
    MAX_UNREPORTED_HANDOUTS,
    PeopleQueue,
    people_json,
    raise_for_outcomes,
    user_from_people,
    valid_user_id,
)
from custom_components.access_terminal.protocols.model import Credentials, Family, Privilege, User

NOW = datetime(2024, 6, 17, 12, 0, tzinfo=UTC)

# The Detail of the document's PushPeople example (bare keys and all).
DOCUMENT_DETAIL = """
        {
            "UserID": "3",
            "Name": "888888",
            "Job": "开发",
            "Department": "销售部",
            "IdentityCard": "",
            "Attachment": "",
            "Photo": "http://abc.com/photo/1.jpg",
            "PhotoMD5": "613D870CA99EDF074BEE4387BAB09070",
            "PhotoLen": 55020,
            "Password": "2222",
            "CardNum": "6666",
            "AccessType": 0,
            "ExpirationDate": 0,
            "OpenTimes": 65535,
            "KeepOpen": 1,
            "Timegroup": 6,
            "Holidays": "1,3,9,10,11,17,21,25,27,30",
            "Elevators": "1,2,3,4,5",
            "FaceFeature": "http://abc.com/face/1.dat",
            "FaceFeatureMD5": "613D870CA99EDF074BEE4387BAB09070",
            "Fingerprints": [
                {
                    Num: 1,
                    Data: "abcdefgrtygnfhgfjhk ... jhkghjkgj==",
                    MD5: "abcdefg"
                }
            ],
            "Palmveins": [
                {
                    Num: 1,
                    Data: "abcdefgrtygnfhgfjhk ... jhkghjkgj==",
                    MD5: "abcdefg"
                }
            ]
        }
"""


def doc(user_id: str, name: str = "x") -> dict[str, Any]:
    return {"UserID": user_id, "Name": name}


# -- people_json -----------------------------------------------------------------------------


def test_people_json_plain_user() -> None:
    user = User(
        user_id="42",
        name="张三",
        cards=("12345678",),
        password="1234",
        department="销售部",
    )
    document = people_json(user, NOW)
    assert document["UserID"] == "42"
    assert document["Name"] == "张三"
    assert document["Department"] == "销售部"
    assert document["CardNum"] == "12345678"
    assert document["Password"] == "1234"
    assert document["AccessType"] == 0
    assert document["ExpirationDate"] == 0
    assert document["OpenTimes"] == 65535
    assert 1 <= document["Timegroup"] <= 64
    assert "Photo" not in document
    assert "FaceFeature" not in document
    json.dumps(document)  # what the device downloads is plain JSON


def test_people_json_user_id_normalised() -> None:
    assert people_json(User(user_id=" 007 "), NOW)["UserID"] == "7"


def test_people_json_admin() -> None:
    assert people_json(User(user_id="1", privilege=Privilege.ADMIN), NOW)["AccessType"] == 1


def test_people_json_disabled() -> None:
    document = people_json(User(user_id="1", enabled=False), NOW)
    assert document["OpenTimes"] == 0


def test_people_json_expiry() -> None:
    until = datetime(2030, 1, 1, tzinfo=UTC)
    document = people_json(User(user_id="1", valid_until=until), NOW)
    assert document["ExpirationDate"] == int(until.timestamp())


def test_people_json_validity_start_in_the_past_is_fine() -> None:
    people_json(User(user_id="1", valid_from=NOW - timedelta(days=1)), NOW)
    people_json(User(user_id="1", valid_from=NOW), NOW)


def test_people_json_photo() -> None:
    photo = b"\xff\xd8" + bytes(range(256)) * 10
    document = people_json(User(user_id="1", credentials=Credentials(photo=photo)), NOW)
    assert base64.b64decode(document["Photo"]) == photo
    assert document["PhotoMD5"] == hashlib.md5(photo).hexdigest().upper()  # noqa: S324
    assert document["PhotoMD5"].isupper()
    assert len(document["PhotoMD5"]) == 32
    assert document["PhotoLen"] == len(photo)


def test_people_json_photo_at_the_limit() -> None:
    photo = b"\xff" * (400 * 1024)
    document = people_json(User(user_id="1", credentials=Credentials(photo=photo)), NOW)
    assert document["PhotoLen"] == 400 * 1024


def test_people_json_templates() -> None:
    creds = Credentials(face="FACE==", fingerprints={3: "FP3==", 0: "FP0=="}, palms={2: "P2=="})
    document = people_json(User(user_id="1", credentials=creds), NOW)
    assert document["FaceFeature"] == "FACE=="
    assert document["Fingerprints"] == [{"Num": 0, "Data": "FP0=="}, {"Num": 3, "Data": "FP3=="}]
    assert document["Palmveins"] == [{"Num": 2, "Data": "P2=="}]


def test_people_json_name_of_63_bytes() -> None:
    assert people_json(User(user_id="1", name="张" * 21), NOW)["Name"] == "张" * 21


REFUSED: dict[str, User] = {
    "id_letters": User(user_id="abc"),
    "id_empty": User(user_id=""),
    "id_zero": User(user_id="0"),
    "id_negative": User(user_id="-1"),
    "id_decimal": User(user_id="1.5"),
    "id_over_uint32": User(user_id="4294967296"),
    "id_huge": User(user_id="99999999999999999999999999"),
    "id_superscript_digit": User(user_id="²"),
    "two_cards": User(user_id="1", cards=("123", "456")),
    "card_letters": User(user_id="1", cards=("12AB",)),
    "card_negative": User(user_id="1", cards=("-123",)),
    "card_non_ascii_digits": User(user_id="1", cards=("١٢٣٤",)),
    "password_short": User(user_id="1", password="123"),
    "password_long": User(user_id="1", password="123456789"),
    "password_letters": User(user_id="1", password="12ab"),
    "password_non_ascii_digits": User(user_id="1", password="١٢٣٤"),
    "valid_from_future": User(user_id="1", valid_from=NOW + timedelta(minutes=1)),
    "name_66_bytes": User(user_id="1", name="张" * 22),
    "name_64_chars": User(user_id="1", name="a" * 64),
    "department_64_chars": User(user_id="1", department="d" * 64),
    "photo_too_large": User(user_id="1", credentials=Credentials(photo=b"\0" * (400 * 1024 + 1))),
}


@pytest.mark.parametrize("user", REFUSED.values(), ids=REFUSED.keys())
def test_people_json_refuses(user: User) -> None:
    with pytest.raises(InvalidRequestError):
        people_json(user, NOW)


@pytest.mark.parametrize("user_id", ["1", "4294967295", " 12 "])
def test_valid_user_id_accepts(user_id: str) -> None:
    assert valid_user_id(user_id) == int(user_id)


# -- user_from_people ------------------------------------------------------------------------


def test_user_from_document_detail_example() -> None:
    document = loads_lenient(DOCUMENT_DETAIL)
    user = user_from_people(document)
    assert user is not None
    assert user.user_id == "3"
    assert user.name == "888888"
    assert user.department == "销售部"
    assert user.cards == ("6666",)
    assert user.password == "2222"
    assert user.privilege is Privilege.USER
    assert user.enabled is True
    assert user.valid_until is None
    assert user.credentials.photo is None  # a URL is no photo
    assert user.credentials.fingerprints == {1: "abcdefgrtygnfhgfjhk ... jhkghjkgj=="}
    assert user.credentials.palms == {1: "abcdefgrtygnfhgfjhk ... jhkghjkgj=="}


def test_user_from_people_round_trip() -> None:
    until = datetime(2030, 1, 1, tzinfo=UTC)
    photo = b"\xff\xd8photo"
    original = User(
        user_id="9",
        name="李四",
        privilege=Privilege.ADMIN,
        cards=("555",),
        password="123456",
        valid_until=until,
        department="IT",
        credentials=Credentials(
            face="F==",
            fingerprints={1: "A=="},
            palms={2: "B=="},
            photo=photo,
            origin=Family.HTTPV2,
        ),
    )
    user = user_from_people(people_json(original, NOW))
    assert user == original


def test_templates_of_another_family_are_left_out() -> None:
    """A ZK face template means nothing to an HTTPv2 terminal: only the photo goes."""
    photo = b"\xff\xd8photo"
    user = User(
        user_id="9",
        credentials=Credentials(
            face="F==", fingerprints={1: "A=="}, photo=photo, origin=Family.ZK_PUSH
        ),
    )
    document = people_json(user, NOW)
    assert "FaceFeature" not in document
    assert "Fingerprints" not in document
    assert base64.b64decode(document["Photo"]) == photo


@pytest.mark.parametrize(
    ("overrides", "enabled"),
    [
        ({"AccessType": 2}, False),
        ({"AccessType": "2"}, False),
        ({"OpenTimes": 0}, False),
        ({"OpenTimes": 5}, True),
        ({"AccessType": 0, "OpenTimes": 65535}, True),
        ({}, True),
    ],
)
def test_user_from_people_enabled(overrides: dict[str, Any], enabled: bool) -> None:
    user = user_from_people({"UserID": "1", **overrides})
    assert user is not None
    assert user.enabled is enabled
    assert user.privilege is Privilege.USER


def test_user_from_people_admin() -> None:
    user = user_from_people({"UserID": "1", "AccessType": 1})
    assert user is not None
    assert user.privilege is Privilege.ADMIN


def test_user_from_people_expiry() -> None:
    user = user_from_people({"UserID": 5, "ExpirationDate": 1893456000})
    assert user is not None
    assert user.user_id == "5"
    assert user.valid_until == datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("card", ["0", "", None, 0])
def test_user_from_people_no_card(card: object) -> None:
    user = user_from_people({"UserID": "1", "CardNum": card})
    assert user is not None
    assert user.cards == ()


def test_user_from_people_base64_photo() -> None:
    photo = b"\xff\xd8\xff\xe0 binary"
    user = user_from_people({"UserID": "1", "Photo": base64.b64encode(photo).decode()})
    assert user is not None
    assert user.credentials.photo == photo


@pytest.mark.parametrize("value", ["https://x/p.jpg", "not base64!!", "", None, 5])
def test_user_from_people_no_usable_photo(value: object) -> None:
    user = user_from_people({"UserID": "1", "Photo": value})
    assert user is not None
    assert user.credentials.photo is None


def test_user_from_people_attached_photo_wins() -> None:
    attached = b"\xff\xd8attached"
    embedded = base64.b64encode(b"embedded").decode()
    user = user_from_people({"UserID": "1", "Photo": embedded}, attached)
    assert user is not None
    assert user.credentials.photo == attached
    user = user_from_people({"UserID": "1", "Photo": "http://abc.com/photo/1.jpg"}, attached)
    assert user is not None
    assert user.credentials.photo == attached


def test_user_from_people_bad_templates_skipped() -> None:
    user = user_from_people(
        {
            "UserID": "1",
            "Fingerprints": [
                {"Num": "x", "Data": "A"},
                {"Num": 2},
                "junk",
                {"Num": 3, "Data": "C"},
            ],
            "Palmveins": "not a list",
        }
    )
    assert user is not None
    assert user.credentials.fingerprints == {3: "C"}
    assert user.credentials.palms == {}


@pytest.mark.parametrize("document", [{}, {"UserID": ""}, {"UserID": None}, {"Name": "x"}])
def test_user_from_people_without_user_id(document: dict[str, Any]) -> None:
    assert user_from_people(document) is None


# -- PeopleQueue -----------------------------------------------------------------------------


async def test_queue_batches_by_limit() -> None:
    queue = PeopleQueue()
    futures = queue.add({str(i): doc(str(i)) for i in range(1, 6)})
    assert queue.pending_adds == 5
    first = queue.next_add_batch(2)
    assert [d["UserID"] for d in first] == ["1", "2"]
    queue.add_result({})
    assert futures[0].done()
    assert futures[1].done()
    assert not futures[2].done()
    assert queue.pending_adds == 3
    assert [d["UserID"] for d in queue.next_add_batch(2)] == ["3", "4"]
    queue.add_result({})
    assert [d["UserID"] for d in queue.next_add_batch(2)] == ["5"]
    queue.add_result({})
    assert queue.next_add_batch(2) == []
    assert queue.pending_adds == 0
    await asyncio.gather(*futures)


async def test_queue_failures() -> None:
    queue = PeopleQueue()
    ok_future, bad_future = queue.add({"1": doc("1"), "2": doc("2")})
    queue.next_add_batch(10)
    queue.add_result({"2": "card number already used by another user (7) [code 23]"})
    await ok_future
    with pytest.raises(UserWriteError) as info:
        await bad_future
    assert "card number" in info.value.failures["2"]
    assert "7" in info.value.failures["2"]
    assert "1" not in info.value.failures
    assert queue.pending_adds == 0  # a refused person is not sent again and again


async def test_queue_result_without_batch_is_harmless() -> None:
    queue = PeopleQueue()
    queue.add_result({"1": "x"})
    queue.delete_result()
    (future,) = queue.add({"1": doc("1")})
    assert not future.done()
    assert queue.pending_adds == 1


async def test_queue_delete_supersedes_set() -> None:
    queue = PeopleQueue()
    (add_future,) = queue.add({"5": doc("5")})
    (delete_future,) = queue.delete(["5"])
    with pytest.raises(CommandCancelledError):
        await add_future
    assert queue.pending_adds == 0
    assert queue.pending_deletes == 1
    assert queue.next_add_batch(10) == []
    assert queue.next_delete_batch(10) == (False, ["5"])
    queue.delete_result()
    await delete_future


async def test_queue_set_supersedes_delete() -> None:
    queue = PeopleQueue()
    (delete_future,) = queue.delete(["5"])
    (add_future,) = queue.add({"5": doc("5")})
    with pytest.raises(CommandCancelledError):
        await delete_future
    assert queue.pending_deletes == 0
    assert queue.next_delete_batch(10) == (False, [])
    assert [d["UserID"] for d in queue.next_add_batch(10)] == ["5"]
    queue.add_result({})
    await add_future


async def test_queue_set_again_while_in_flight_sends_the_newer_version() -> None:
    queue = PeopleQueue()
    (first,) = queue.add({"5": doc("5", "old")})
    queue.next_add_batch(10)
    (second,) = queue.add({"5": doc("5", "new")})
    queue.add_result({})
    # The old version reached the device, the new one is still to be sent.
    assert queue.pending_adds == 1
    assert [d["Name"] for d in queue.next_add_batch(10)] == ["new"]
    queue.add_result({})
    await asyncio.gather(first, second)


async def test_queue_delete_all_cancels_pending_adds() -> None:
    queue = PeopleQueue()
    add_futures = queue.add({"1": doc("1"), "2": doc("2")})
    queue.delete(["3"])
    (all_future,) = queue.delete(None)
    for future in add_futures:
        with pytest.raises(CommandCancelledError):
            await future
    assert queue.pending_adds == 0
    assert queue.pending_deletes == 1
    assert queue.next_delete_batch(10) == (True, [])
    queue.delete_result()
    await all_future
    assert queue.pending_deletes == 0
    assert queue.next_delete_batch(10) == (False, [])


@pytest.mark.parametrize("deletion", [["1"], None], ids=["delete_one", "delete_all"])
async def test_queue_cancelled_user_is_not_handed_out_again(deletion: list[str] | None) -> None:
    # The device took a page and the connection dropped before it reported; then the person
    # is deleted (their set fails with CommandCancelledError). The stale page must not bring
    # that person back after the deletion.
    queue = PeopleQueue()
    (future,) = queue.add({"1": doc("1")})
    assert [d["UserID"] for d in queue.next_add_batch(10)] == ["1"]
    queue.delete(deletion)
    with pytest.raises(CommandCancelledError):
        await future
    queue.next_delete_batch(10)
    queue.delete_result()
    queue.add({"2": doc("2")})
    assert [d["UserID"] for d in queue.next_add_batch(10)] == ["2"]


async def test_queue_unreported_batch_handed_out_again_then_unconfirmed() -> None:
    queue = PeopleQueue()
    futures = queue.add({"1": doc("1"), "2": doc("2"), "3": doc("3")})
    handouts = [[d["UserID"] for d in queue.next_add_batch(2)]]
    for _ in range(MAX_UNREPORTED_HANDOUTS - 1):
        handouts.append([d["UserID"] for d in queue.next_add_batch(2)])
        assert not futures[0].done()
    assert handouts == [["1", "2"]] * MAX_UNREPORTED_HANDOUTS
    # Once more: the page is settled as unconfirmed (not as done) and the next one follows.
    assert [d["UserID"] for d in queue.next_add_batch(2)] == ["3"]
    for future in futures[:2]:
        with pytest.raises(UnconfirmedError):
            await future
    assert not futures[2].done()
    assert queue.pending_adds == 1


async def test_queue_unreported_delete_batch_handed_out_again_then_unconfirmed() -> None:
    queue = PeopleQueue()
    futures = queue.delete(["1", "2"])
    for _ in range(MAX_UNREPORTED_HANDOUTS):
        assert queue.next_delete_batch(10) == (False, ["1", "2"])
    assert queue.next_delete_batch(10) == (False, [])
    for future in futures:
        with pytest.raises(UnconfirmedError):
            await future
    assert queue.pending_deletes == 0


async def test_queue_delete_batches_by_limit() -> None:
    queue = PeopleQueue()
    queue.delete([str(i) for i in range(1, 6)])
    assert queue.pending_deletes == 5
    assert queue.next_delete_batch(3) == (False, ["1", "2", "3"])
    queue.delete_result()
    assert queue.next_delete_batch(3) == (False, ["4", "5"])
    queue.delete_result()
    assert queue.pending_deletes == 0


async def test_queue_export_restore_round_trip() -> None:
    queue = PeopleQueue()
    queue.add({"1": doc("1"), "2": doc("2")})
    queue.delete(["3"])
    data = json.loads(json.dumps(queue.export()))
    restored = PeopleQueue()
    restored.restore(data)
    assert restored.pending_adds == 2
    assert restored.pending_deletes == 1
    assert [d["UserID"] for d in restored.next_add_batch(10)] == ["1", "2"]
    assert restored.next_delete_batch(10) == (False, ["3"])

    everything = PeopleQueue()
    everything.delete(None)
    again = PeopleQueue()
    again.restore(json.loads(json.dumps(everything.export())))
    assert again.next_delete_batch(10) == (True, [])


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"add": "junk", "delete": 5, "delete_all": "yes"},
        {"add": [1, 2], "delete": {"a": 1}},
        {"add": {"1": "not a dict", "x": {}}, "delete": ["abc", None]},
    ],
)
async def test_queue_restore_garbage(data: dict[str, Any]) -> None:
    queue = PeopleQueue()
    queue.restore(data)
    assert queue.pending_adds == 0
    assert queue.pending_deletes == 0
    assert queue.next_add_batch(10) == []
    assert queue.next_delete_batch(10) == (False, [])


async def test_queue_restore_drops_non_digit_ids() -> None:
    queue = PeopleQueue()
    queue.restore(
        {
            "add": {"1": doc("1"), "abc": doc("abc"), "": doc("")},
            "delete": ["2", "x", 3, "../", None],
            "delete_all": False,
        }
    )
    assert [d["UserID"] for d in queue.next_add_batch(10)] == ["1"]
    assert queue.next_delete_batch(10) == (False, ["2", "3"])


async def test_queue_restore_drops_non_ascii_digit_ids() -> None:
    # "²" passes str.isdigit() but is no user id: int("²") raises ValueError later on.
    queue = PeopleQueue()
    queue.restore({"add": {"²": doc("²")}, "delete": ["²", "\u0661"]})
    assert queue.pending_adds == 0
    assert queue.pending_deletes == 0


async def test_queue_forget() -> None:
    queue = PeopleQueue()
    (kept,) = queue.add({"1": doc("1")})
    (dropped,) = queue.add({"2": doc("2")})
    queue.forget([dropped])
    assert queue.pending_adds == 2  # the change itself stays queued
    queue.next_add_batch(10)
    queue.add_result({})
    assert kept.done()
    assert not dropped.done()  # nobody waits on it any more
    dropped.cancel()


async def test_queue_fail_all_keeps_changes() -> None:
    queue = PeopleQueue()
    futures = queue.add({"1": doc("1")}) + queue.delete(["2"])
    queue.fail_all(CommandCancelledError("unloaded"))
    for future in futures:
        with pytest.raises(CommandCancelledError):
            await future
    assert queue.pending_adds == 1
    assert queue.pending_deletes == 1


# -- keeping the templates the device holds --------------------------------------------------


async def test_merge_waits_for_the_device_and_keeps_its_templates() -> None:
    queue = PeopleQueue()
    futures = queue.add({"5": {"UserID": "5", "Name": "New name"}}, keep_held={"5"})
    assert queue.pending_adds == 0
    assert queue.pending_merges == 1
    assert queue.merge_query() == [5]
    held = {"UserID": "5", "Name": "Old", "FaceFeature": "RkFDRQ==", "Fingerprints": [{"Num": 0}]}
    assert queue.held("5", held, b"\xff\xd8photo")
    (document,) = queue.next_add_batch(10)
    assert document["Name"] == "New name"
    assert document["FaceFeature"] == "RkFDRQ=="
    assert document["Fingerprints"] == [{"Num": 0}]
    assert base64.b64decode(document["Photo"]) == b"\xff\xd8photo"
    queue.add_result({})
    assert futures[0].done()


async def test_merge_of_a_person_the_device_does_not_hold() -> None:
    queue = PeopleQueue()
    queue.add({"6": {"UserID": "6", "Name": "Eve"}}, keep_held={"6"})
    queue.merge_query()
    assert queue.held("6", None, None)  # the device answered without a Detail
    assert queue.next_add_batch(10) == [{"UserID": "6", "Name": "Eve"}]


async def test_merge_given_up_after_repeated_silence() -> None:
    queue = PeopleQueue()
    (future,) = queue.add({"7": {"UserID": "7"}}, keep_held={"7"})
    for _ in range(MAX_MERGE_QUERIES):
        queue.merge_query()
        queue.expire_merges()
    assert queue.pending_merges == 0
    with pytest.raises(UserWriteError, match="templates"):
        await future
    assert queue.next_add_batch(10) == []  # never written without the templates


async def test_merge_cancelled_by_a_delete_and_kept_across_restarts() -> None:
    queue = PeopleQueue()
    (future,) = queue.add({"8": {"UserID": "8"}}, keep_held={"8"})
    queue.add({"9": {"UserID": "9"}}, keep_held={"9"})
    queue.delete(["8"])
    with pytest.raises(CommandCancelledError):
        await future
    restored = PeopleQueue()
    restored.restore(queue.export())
    assert restored.merge_query() == [9]


def test_outcomes_name_what_the_device_refused_or_never_confirmed() -> None:
    raise_for_outcomes(["1", "2"], [None, None])
    with pytest.raises(UserWriteError) as refused:
        raise_for_outcomes(
            ["1", "2", "3", "4"],
            [
                None,
                UserWriteError({"2": "card number already used by another user [code 23]"}),
                CommandCancelledError("user 3 deleted"),
                UnconfirmedError(["4"]),
            ],
        )
    assert refused.value.failures == {
        "2": "card number already used by another user [code 23]",
        "3": "user 3 deleted",
    }
    with pytest.raises(UnconfirmedError) as unconfirmed:
        raise_for_outcomes(["1", "2"], [UnconfirmedError(["1"]), None])
    assert unconfirmed.value.user_ids == ["1"]


@pytest.mark.parametrize("error", [TerminalClosedError("unloaded"), RuntimeError("a bug")])
def test_outcomes_that_are_no_answer_fail_the_whole_write(error: Exception) -> None:
    with pytest.raises(type(error)):
        raise_for_outcomes(["1", "2"], [UserWriteError({"1": "refused"}), error])
