"""The ZKTeco PUSH terminal's data tables: users, door rights, cards, templates and photos.

Every change a DATA command asks for goes through here and gets the Appendix 1 return value the
firmware would report. Nothing here talks to the server except through the photo downloader.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from simulator.zk_push_access import VERIFY_TABLES, AccessTables
from simulator.zk_push_codec import (
    ERR_BASE64,
    ERR_FILE_MISSING,
    ERR_NO_USER,
    ERR_PARAMETER,
    ERR_TABLE,
    OK,
    join_pairs,
    lowered,
    parse_int,
    split_fields,
)
from simulator.zk_push_device import BIO_FACE, BIO_FINGERPRINT, TEMPLATE_VERSIONS
from simulator.zk_push_roles import ROLE_TABLES, RoleTables

Downloader = Callable[[str], Awaitable[bytes | None]]

USER_FIELDS: Final = (
    "CardNo",
    "Pin",
    "Password",
    "Group",
    "StartTime",
    "EndTime",
    "Name",
    "Privilege",
    "Disable",
)
USER_DEFAULTS: Final = {
    "CardNo": "",
    "Password": "",
    "Group": "1",
    "StartTime": "0",
    "EndTime": "0",
    "Name": "",
    "Privilege": "0",
    "Disable": "0",
}
# Attendance USERINFO field -> the user table's own field.
USERINFO_FIELDS: Final = {
    "pin": "Pin",
    "name": "Name",
    "pri": "Privilege",
    "passwd": "Password",
    "card": "CardNo",
    "grp": "Group",
}
BIODATA_FIELDS: Final = (
    "Pin",
    "No",
    "Index",
    "Valid",
    "Duress",
    "Type",
    "MajorVer",
    "MinorVer",
    "Format",
    "Tmp",
)
AUTHORIZE_FIELDS: Final = ("Pin", "AuthorizeTimezoneId", "AuthorizeDoorId", "DevID")
SECURITY_TABLES: Final = frozenset(
    {
        "user",
        "userauthorize",
        "mulcarduser",
        "biophoto",
        "biodata",
        "userpic",
        "templatev10",
        "timezone",
        "holiday",
        *VERIFY_TABLES,
        *ROLE_TABLES,
    }
)
ATTENDANCE_TABLES: Final = frozenset({"userinfo"})
# Tables whose rows name a person: refused for someone the controller does not hold.
PEOPLE_ROWS: Final = ROLE_TABLES | {"personalvstimezone"}

BioKey = tuple[str, int, int]


def decode_base64(text: str) -> bytes | None:
    """Decode base64 as servers send it (line breaks allowed); None if it is not base64."""
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return data or None


def b64(data: bytes) -> str:
    """Encode bytes as base64 text."""
    return base64.b64encode(data).decode()


def _valid_time(value: str, *, date_fmt: bool) -> bool:
    """StartTime/EndTime: 0, OldEncodeTime seconds (DateFmtFunOn=1) or YYYYMMDD."""
    if not value.isascii() or not value.isdigit():
        return False
    return date_fmt or value == "0" or len(value) == 8


class DeviceTables:
    """The tables a Security PUSH (or attendance) terminal keeps, keyed as its firmware does."""

    def __init__(
        self, *, attendance: bool, date_fmt: bool, mul_card: bool, multi_bio: bool
    ) -> None:
        """Start empty; the flags are the functions the terminal announced."""
        self.attendance = attendance
        self.date_fmt = date_fmt
        self.mul_card = mul_card
        self.multi_bio = multi_bio
        self.users: dict[str, dict[str, str]] = {}
        # PIN -> its rights rows, by time zone (a person may have a row per time zone).
        self.authorize: dict[str, dict[str, dict[str, str]]] = {}
        self.access = AccessTables()
        self.roles = RoleTables()
        self.cards: dict[str, list[str]] = {}
        self.biodata: dict[BioKey, dict[str, str]] = {}
        self.biophotos: dict[str, bytes] = {}
        self.userpics: dict[str, bytes] = {}
        self._uids: dict[str, int] = {}

    def has_table(self, table: str) -> bool:
        """Tell whether this firmware has a table (optional ones depend on announced functions)."""
        name = table.lower()
        if self.attendance:
            return name in ATTENDANCE_TABLES
        if name == "mulcarduser":
            return self.mul_card
        if name in ("biophoto", "biodata"):
            return self.multi_bio
        return name in SECURITY_TABLES

    def uid(self, pin: str) -> int:
        """Return the user's record number in the device, fixed when first stored."""
        if pin not in self._uids:
            self._uids[pin] = max(self._uids.values(), default=0) + 1
        return self._uids[pin]

    # --- DATA UPDATE ------------------------------------------------------------------------

    async def update(self, table: str, records: list[dict[str, str]], download: Downloader) -> int:
        """Store records of one table; return the first failure's code, else 0."""
        if not self.has_table(table):
            return ERR_TABLE
        name = table.lower()
        result = OK
        for record in records:
            fields = lowered(record)
            if name in ("biophoto", "userpic"):
                code = await self._update_photo(name, fields, download)
            else:
                code = self._update_record(name, fields)
            if code < 0 and result == OK:
                result = code
        return result

    def _update_record(self, name: str, fields: dict[str, str]) -> int:
        if name == "user":
            return self.put_user(fields)
        if name == "userinfo":
            return self.put_user(
                {USERINFO_FIELDS[k]: v for k, v in fields.items() if k in USERINFO_FIELDS}
            )
        if name == "userauthorize":
            return self._update_authorize(fields)
        if name in ("timezone", "holiday"):
            return self.access.update(name, fields)
        pin = lowered(fields).get("pin", "").strip()
        if name in PEOPLE_ROWS and pin and pin not in self.users:
            # A role or a personal verification row naming someone not held (as templates).
            return ERR_NO_USER
        if name in VERIFY_TABLES:
            return self.access.update_verify(name, fields)
        if name in ROLE_TABLES:
            return self.roles.update(name, fields)
        if name == "mulcarduser":
            return self._update_card(fields)
        if name == "templatev10":
            return self._update_fingerprint(fields)
        return self._update_biodata(fields)

    def put_user(self, fields: Mapping[str, str]) -> int:
        """Store a user record whole: fields not sent take their defaults (Disable back to 0)."""
        given = lowered(fields)
        pin = given.get("pin", "").strip()
        if not pin:
            return ERR_PARAMETER
        user = {name: given.get(name.lower(), USER_DEFAULTS.get(name, "")) for name in USER_FIELDS}
        user["Pin"] = pin
        if not all(
            _valid_time(user[key], date_fmt=self.date_fmt) for key in ("StartTime", "EndTime")
        ):
            return ERR_PARAMETER
        self.users[pin] = user
        self.uid(pin)
        return OK

    def _update_authorize(self, fields: dict[str, str]) -> int:
        pin = fields.get("pin", "").strip()
        if not pin or parse_int(fields.get("authorizedoorid")) is None:
            return ERR_PARAMETER
        zone = fields.get("authorizetimezoneid", "1").strip()
        self.authorize.setdefault(pin, {})[zone] = {
            name: fields[name.lower()] for name in AUTHORIZE_FIELDS if name.lower() in fields
        } | {"Pin": pin}
        return OK

    def _update_card(self, fields: dict[str, str]) -> int:
        pin, card = fields.get("pin", "").strip(), fields.get("cardno", "").strip()
        if not pin or not card:
            return ERR_PARAMETER
        cards = self.cards.setdefault(pin, [])
        if fields.get("losscardflag") == "1":
            # A card reported lost no longer opens anything.
            self.cards[pin] = [held for held in cards if held != card]
        elif card not in cards:
            cards.append(card)
        return OK

    def template_key(self, pin: str, bio_type: int | None, number: int | None) -> BioKey | int:
        """Return the (PIN, type, number) of a template of a user this terminal holds.

        Else the Appendix 1 code: a missing or unreadable field is ERR_PARAMETER, an unknown PIN
        ERR_NO_USER (-27, failing to find a template's user: Appendix 1 has no "no such user").
        """
        pin = pin.strip()
        if not pin or bio_type is None or number is None:
            return ERR_PARAMETER
        if pin not in self.users:
            return ERR_NO_USER
        return pin, bio_type, number

    def _update_fingerprint(self, fields: dict[str, str]) -> int:
        """templatev10 (fingerprint algorithm 10) is kept as a type 1 unified template."""
        key = self.template_key(
            fields.get("pin", ""), BIO_FINGERPRINT, parse_int(fields.get("fingerid"))
        )
        if isinstance(key, int):
            return key
        template = fields.get("template", "")
        if decode_base64(template) is None:
            return ERR_BASE64
        self.store_template(*key, template)
        self.biodata[key]["Valid"] = fields.get("valid", "1")
        return OK

    def _update_biodata(self, fields: dict[str, str]) -> int:
        key = self.template_key(
            fields.get("pin", ""), parse_int(fields.get("type")), parse_int(fields.get("no", "0"))
        )
        if isinstance(key, int):
            return key
        if decode_base64(fields.get("tmp", "")) is None:
            return ERR_BASE64
        pin, bio_type, number = key
        defaults = {"Index": "0", "Valid": "1", "Duress": "0", "Format": "0"}
        self.biodata[key] = {
            name: fields.get(name.lower(), defaults.get(name, "")) for name in BIODATA_FIELDS
        } | {"Pin": pin, "No": str(number), "Type": str(bio_type)}
        return OK

    async def _update_photo(self, name: str, fields: dict[str, str], download: Downloader) -> int:
        """Store a biophoto or userpic: inline base64 (Format=0) or a URL to fetch (Format=1)."""
        pin = fields.get("pin", "").strip()
        if not pin:
            return ERR_PARAMETER
        if pin not in self.users:
            return ERR_NO_USER
        content = fields.get("content", "")
        url = fields.get("url", "")
        photo: bytes | None
        if fields.get("format") == "1" or (not content and url):
            if not url:
                return ERR_PARAMETER
            photo = await download(url)
            if photo is None:
                return ERR_FILE_MISSING
        else:
            photo = decode_base64(content)
            size = parse_int(fields.get("size"))
            # Size is the base64 length in the document; servers also send the photo's length.
            if photo is None or (size is not None and size not in (len(content), len(photo))):
                return ERR_BASE64
        (self.biophotos if name == "biophoto" else self.userpics)[pin] = photo
        return OK

    def store_template(self, pin: str, bio_type: int, number: int, template: str) -> dict[str, str]:
        """Store a template the terminal captured or received; return its record."""
        major, minor = TEMPLATE_VERSIONS.get(bio_type, ("1", "0"))
        record = {
            "Pin": pin,
            "No": str(number),
            "Index": "0",
            "Valid": "1",
            "Duress": "0",
            "Type": str(bio_type),
            "MajorVer": major,
            "MinorVer": minor,
            "Format": "0",
            "Tmp": template,
        }
        self.biodata[(pin, bio_type, number)] = record
        return record

    # --- DATA DELETE ------------------------------------------------------------------------

    def delete(self, table: str, condition: str) -> int:
        """Delete the records a condition names (`*` for all); nothing to delete is fine."""
        if not self.has_table(table):
            return ERR_TABLE
        name = table.lower()
        everything = condition.strip() == "*"
        fields = lowered(split_fields(condition))
        pin = fields.get("pin")
        if name in ("timezone", "holiday"):
            return self.access.delete(name, everything, fields)
        if name in VERIFY_TABLES:
            return self.access.delete_verify(name, everything, fields)
        if name in ROLE_TABLES:
            return self.roles.delete(name, everything, fields)
        if not everything and name != "biodata" and not pin:
            return ERR_PARAMETER
        if name in ("user", "userinfo"):
            for gone in list(self.users) if everything else [pin or ""]:
                self.delete_user(gone)
        elif name == "userauthorize":
            self._drop(self.authorize, everything, pin)
        elif name == "mulcarduser":
            card = fields.get("cardno")
            if card and pin in self.cards:
                self.cards[pin] = [held for held in self.cards[pin] if held != card]
            else:
                self._drop(self.cards, everything, pin)
        elif name == "biophoto":
            self._drop(self.biophotos, everything, pin)
        elif name == "userpic":
            self._drop(self.userpics, everything, pin)
        else:
            return self._delete_templates(name, fields, everything=everything)
        return OK

    @staticmethod
    def _drop[V](table: dict[str, V], everything: bool, pin: str | None) -> None:
        if everything:
            table.clear()
        elif pin is not None:
            table.pop(pin, None)

    def _delete_templates(self, name: str, fields: dict[str, str], *, everything: bool) -> int:
        """Delete templatev10 (Pin, FingerID) or biodata (Type, Pin, No) templates."""
        wanted: dict[int, str] = {}
        if name == "templatev10":
            wanted[1] = str(BIO_FINGERPRINT)
            for position, key in ((0, "pin"), (2, "fingerid")):
                if key in fields:
                    wanted[position] = fields[key]
        else:
            for position, key in ((0, "pin"), (1, "type"), (2, "no")):
                if key in fields:
                    wanted[position] = fields[key]
            if not everything and not wanted:
                return ERR_PARAMETER
        for bio_key in list(self.biodata):
            values = (bio_key[0], str(bio_key[1]), str(bio_key[2]))
            if all(values[position] == value for position, value in wanted.items()):
                del self.biodata[bio_key]
        return OK

    def delete_user(self, pin: str) -> None:
        """Remove a user with everything that belongs to them."""
        self.users.pop(pin, None)
        self.roles.drop_user(pin)
        for table in (self.authorize, self.cards, self.biophotos, self.userpics):
            table.pop(pin, None)
        for bio_key in [bio_key for bio_key in self.biodata if bio_key[0] == pin]:
            del self.biodata[bio_key]

    # --- DATA COUNT and DATA QUERY ----------------------------------------------------------

    def _templates(self, condition: Mapping[str, str]) -> list[dict[str, str]]:
        fields = lowered(condition)
        return [
            record
            for (pin, bio_type, _), record in sorted(self.biodata.items())
            if fields.get("type", str(bio_type)) == str(bio_type) and fields.get("pin", pin) == pin
        ]

    def count(self, table: str, condition: str) -> int | None:
        """Count a table's records matching a condition; None for a table the device lacks."""
        if not self.has_table(table):
            return None
        name = table.lower()
        fields = split_fields(condition)
        if name in ("user", "userinfo"):
            return len(self.users)
        if name == "userauthorize":
            return sum(len(rows) for rows in self.authorize.values())
        if name == "mulcarduser":
            return sum(len(cards) for cards in self.cards.values())
        if name == "biophoto":
            return len(self.biophotos) if lowered(fields).get("type", "9") == str(BIO_FACE) else 0
        if name == "userpic":
            return len(self.userpics)
        if name == "timezone":
            return len(self.access.timezones)
        if name == "holiday":
            return len(self.access.holidays)
        if name in ROLE_TABLES:
            return self.roles.count(name)
        if name == "templatev10":
            fields = {"type": str(BIO_FINGERPRINT)}
        return len(self._templates(fields))

    def query_lines(self, table: str, condition: str) -> list[str] | None:
        """Return the upload lines of a DATA QUERY; None for a table the device cannot list."""
        if not self.has_table(table):
            return None
        name = table.lower()
        fields = lowered(split_fields(condition))
        pins = [pin for pin in self.users if fields.get("pin", pin) == pin]
        if name == "user":
            return [self.user_line(pin) for pin in pins]
        if name == "userinfo":
            return [self.userinfo_line(pin) for pin in pins]
        if name == "biodata":
            return [self.biodata_line(record) for record in self._templates(fields)]
        if name == "templatev10":
            fingerprints = self._templates(fields | {"type": str(BIO_FINGERPRINT)})
            return [self.templatev10_line(self.uid(r["Pin"]), r) for r in fingerprints]
        if name == "biophoto":
            return [
                self.biophoto_line(pin)
                for pin in self.biophotos
                if fields.get("pin", pin) == pin and fields.get("type", "9") == str(BIO_FACE)
            ]
        return None

    def user_line(self, pin: str) -> str:
        """Return a `user` record as the device uploads it (section 10.5)."""
        user = self.users[pin]
        return "user " + join_pairs(
            (
                ("uid", self.uid(pin)),
                ("cardno", user["CardNo"]),
                ("pin", pin),
                ("password", user["Password"]),
                ("group", user["Group"]),
                ("starttime", user["StartTime"]),
                ("endtime", user["EndTime"]),
                ("name", user["Name"]),
                ("privilege", user["Privilege"]),
                ("disable", user["Disable"]),
                ("verify", "0"),
            )
        )

    def userinfo_line(self, pin: str) -> str:
        """Return an attendance `USER` OPERLOG line."""
        user = self.users[pin]
        return "USER " + join_pairs(
            (
                ("PIN", pin),
                ("Name", user["Name"]),
                ("Pri", user["Privilege"]),
                ("Passwd", user["Password"]),
                ("Card", user["CardNo"]),
                ("Grp", user["Group"]),
                ("TZ", "0000000000000000"),
            )
        )

    @staticmethod
    def biodata_line(record: Mapping[str, str]) -> str:
        """Return a `biodata` record as the device uploads it (section 10.11)."""
        return "biodata " + join_pairs((name.lower(), record[name]) for name in BIODATA_FIELDS)

    @staticmethod
    def templatev10_line(uid: int, record: Mapping[str, str]) -> str:
        """Return a `templatev10` record as the device uploads it (section 10.7)."""
        template = record["Tmp"]
        return "templatev10 " + join_pairs(
            (
                ("size", len(template)),
                ("uid", uid),
                ("pin", record["Pin"]),
                ("fingerid", record["No"]),
                ("valid", record["Valid"]),
                ("template", template),
                ("resverd", ""),
                ("endtag", ""),
            )
        )

    def biophoto_line(self, pin: str) -> str:
        """Return a `biophoto` record as the device uploads it (section 10.8)."""
        content = b64(self.biophotos[pin])
        return "biophoto " + join_pairs(
            (
                ("pin", pin),
                ("filename", f"{pin}.jpg"),
                ("type", BIO_FACE),
                ("size", len(content)),
                ("content", content),
            )
        )
