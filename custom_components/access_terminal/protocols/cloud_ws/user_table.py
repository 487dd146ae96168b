"""A cloud terminal's user table over its channel: listed in pages, read and written per record.

A person is read record by record (`getuserinfo` per backupnum, then name and validity) and
written the same way (`setuserinfo` per credential), one command in flight at a time: see
users.py for the records themselves.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import tzinfo
from typing import Any

from ..codec import optional_str
from ..errors import DeviceError, InvalidRequestError, UserWriteError
from ..model import User
from .channel import CommandChannel
from .users import (
    CARD,
    DELETE_ALL,
    PASSWORD,
    ListedUser,
    enroll_id,
    read_listing_page,
    reads_for,
    user_commands,
    user_from_records,
)
from .wire import Message

# The reason given when a user had none of the records to delete.
NOTHING_DELETED = "1"


async def list_users(
    channel: CommandChannel,
    user_ids: Sequence[str] | None,
    *,
    with_credentials: bool,
    zone: tzinfo,
) -> list[User]:
    """List users (`getuserlist` pages), then read each one's records, name and validity."""
    listed: dict[int, ListedUser] = {}

    async def collect(_answer: Message, items: list[Any]) -> None:
        read_listing_page(items, listed)

    await channel.pages({"cmd": "getuserlist"}, "user listing", collect)
    if user_ids is not None:
        wanted = {enroll_id(user_id) for user_id in user_ids}
        listed = {number: entry for number, entry in listed.items() if number in wanted}
    return [
        await _read_user(channel, entry, with_credentials=with_credentials, zone=zone)
        for entry in sorted(listed.values(), key=lambda entry: entry.enroll_id)
    ]


async def _read_user(
    channel: CommandChannel, entry: ListedUser, *, with_credentials: bool, zone: tzinfo
) -> User:
    infos: dict[int, dict[str, Any]] = {}
    number = entry.enroll_id
    for backupnum in reads_for(entry, with_credentials=with_credentials):
        answer = await channel.request(
            {"cmd": "getuserinfo", "enrollid": number, "backupnum": backupnum},
            "user listing",
            check=False,
        )
        if answer.ok:
            infos[backupnum] = answer.fields
    name = None
    if not any(optional_str(info.get("name")) for info in infos.values()):
        answer = await channel.request(
            {"cmd": "getusername", "enrollid": number}, "user listing", check=False
        )
        name = optional_str(answer.fields.get("record")) if answer.ok else None
    answer = await channel.request(
        {"cmd": "getuserlock", "enrollid": number}, "user listing", check=False
    )
    return user_from_records(
        entry,
        infos,
        name=name,
        lock=answer.fields if answer.ok else None,
        zone=zone,
        with_credentials=with_credentials,
    )


async def write_users(
    channel: CommandChannel, users: Sequence[User], keep_held: Collection[str], zone: tzinfo
) -> None:
    """Write each user (one `setuserinfo` per credential); UserWriteError names failures.

    Each record is written on its own, so credentials the device holds stay unless replaced;
    a user it may hold (`keep_held`) who now has no card or password loses the old one.
    """
    failures: dict[str, str] = {}
    for user in users:
        try:
            commands = user_commands(user, zone)
            for command in commands:
                await channel.request(command, "user write")
        except (InvalidRequestError, DeviceError) as err:
            failures[user.user_id] = str(err)
            continue
        if user.user_id in keep_held:
            held = ((CARD, user.cards), (PASSWORD, user.password))
            for backupnum in [number for number, value in held if not value]:
                # Nothing to delete is a refusal too: the outcome is the same.
                number = enroll_id(user.user_id)
                await channel.request(
                    {"cmd": "deleteuser", "enrollid": number, "backupnum": backupnum},
                    "user write",
                    check=False,
                )
    if failures:
        raise UserWriteError(failures)


async def delete_records(channel: CommandChannel, user_id: str, backupnums: Sequence[int]) -> None:
    """Delete some records of a user (`deleteuser` per backupnum), keeping the user.

    A terminal refuses to delete a record it does not have: DeviceError when it had none.
    """
    number = enroll_id(user_id)
    deleted = 0
    for backupnum in backupnums:
        answer = await channel.request(
            {"cmd": "deleteuser", "enrollid": number, "backupnum": backupnum},
            "credential deletion",
            check=False,
        )
        deleted += answer.ok
    if not deleted:
        raise DeviceError(NOTHING_DELETED, f"user {number} has none of these on the terminal")


async def delete_users(channel: CommandChannel, user_ids: Sequence[str] | None) -> None:
    """Delete users with all their records (`deleteuser` 13), or every user (`cleanuser`)."""
    if user_ids is None:
        await channel.request({"cmd": "cleanuser"}, "user deletion")
        return
    failures: dict[str, str] = {}
    for user_id in user_ids:
        try:
            await channel.request(
                {"cmd": "deleteuser", "enrollid": enroll_id(user_id), "backupnum": DELETE_ALL},
                "user deletion",
            )
        except DeviceError as err:
            failures[user_id] = str(err)
    if failures:
        raise UserWriteError(failures)
