"""Tests of user synchronisation planning."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from custom_components.access_terminal.protocols.model import Credentials, Privilege, User
from custom_components.access_terminal.protocols.sync import plan_sync, user_digest


def full_user(user_id: str = "1") -> User:
    return User(
        user_id=user_id,
        name="张三",
        privilege=Privilege.USER,
        cards=("12345",),
        password="1234",
        valid_from=datetime(2024, 1, 1, tzinfo=UTC),
        valid_until=datetime(2030, 1, 1, tzinfo=UTC),
        enabled=True,
        department="IT",
        credentials=Credentials(
            face="FACE==", fingerprints={0: "FP0=="}, palms={1: "P1=="}, photo=b"\xff\xd8a"
        ),
    )


def test_user_digest_stable() -> None:
    assert user_digest(full_user()) == user_digest(full_user())
    # Template order does not matter, only content.
    a = full_user()
    a.credentials = Credentials(fingerprints={0: "A", 1: "B"})
    b = full_user()
    b.credentials = Credentials(fingerprints={1: "B", 0: "A"})
    assert user_digest(a) == user_digest(b)
    digest = user_digest(full_user())
    assert len(digest) == 64


@pytest.mark.parametrize(
    "changed",
    [
        replace(full_user(), user_id="2"),
        replace(full_user(), name="李四"),
        replace(full_user(), name=None),
        replace(full_user(), privilege=Privilege.ADMIN),
        replace(full_user(), cards=("54321",)),
        replace(full_user(), cards=()),
        replace(full_user(), password="4321"),
        replace(full_user(), password=None),
        replace(full_user(), valid_from=None),
        replace(full_user(), valid_from=datetime(2024, 1, 2, tzinfo=UTC)),
        replace(full_user(), valid_until=datetime(2031, 1, 1, tzinfo=UTC)),
        replace(full_user(), valid_until=None),
        replace(full_user(), enabled=False),
        replace(full_user(), department="Sales"),
        replace(full_user(), department=None),
        replace(
            full_user(),
            credentials=replace(full_user().credentials, face="OTHER=="),
        ),
        replace(full_user(), credentials=replace(full_user().credentials, face=None)),
        replace(
            full_user(),
            credentials=replace(full_user().credentials, fingerprints={0: "X=="}),
        ),
        replace(
            full_user(),
            credentials=replace(full_user().credentials, fingerprints={1: "FP0=="}),
        ),
        replace(full_user(), credentials=replace(full_user().credentials, palms={})),
        replace(full_user(), credentials=replace(full_user().credentials, photo=b"\xff\xd8b")),
        replace(full_user(), credentials=replace(full_user().credentials, photo=None)),
    ],
)
def test_user_digest_sensitive_to_every_field(changed: User) -> None:
    assert user_digest(changed) != user_digest(full_user())


def test_plan_nothing_to_do() -> None:
    users = [full_user("1"), full_user("2")]
    present = {user.user_id: user_digest(user) for user in users}
    plan = plan_sync(present, users, delete_missing=True)
    assert plan.to_write == ()
    assert plan.to_delete == ()
    assert plan.unchanged == 2


def test_plan_one_changed_user() -> None:
    users = [full_user("1"), full_user("2")]
    present = {user.user_id: user_digest(user) for user in users}
    desired = [users[0], replace(users[1], password="9999")]
    plan = plan_sync(present, desired, delete_missing=True)
    assert [user.user_id for user in plan.to_write] == ["2"]
    assert plan.to_write[0].password == "9999"
    assert plan.to_delete == ()
    assert plan.unchanged == 1


def test_plan_new_user_is_written() -> None:
    plan = plan_sync({}, [full_user("7")], delete_missing=True)
    assert [user.user_id for user in plan.to_write] == ["7"]
    assert plan.unchanged == 0


@pytest.mark.parametrize(("delete_missing", "deleted"), [(True, ("3", "4")), (False, ())])
def test_plan_delete_missing(delete_missing: bool, deleted: tuple[str, ...]) -> None:
    keep = full_user("1")
    present: dict[str, str | None] = {"1": user_digest(keep), "3": "abc", "4": None}
    plan = plan_sync(present, [keep], delete_missing=delete_missing)
    assert plan.to_delete == deleted
    assert plan.to_write == ()
    assert plan.unchanged == 1


def test_plan_present_with_unknown_digest_is_rewritten() -> None:
    user = full_user("1")
    plan = plan_sync({"1": None}, [user], delete_missing=True)
    assert plan.to_write == (user,)
    assert plan.to_delete == ()
    assert plan.unchanged == 0


def test_plan_empty_desired_deletes_everything_only_when_asked() -> None:
    present: dict[str, str | None] = {"1": None, "2": "x"}
    assert plan_sync(present, [], delete_missing=True).to_delete == ("1", "2")
    assert plan_sync(present, [], delete_missing=False).to_delete == ()
