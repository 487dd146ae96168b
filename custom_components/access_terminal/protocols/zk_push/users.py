"""ZK PUSH users: what a terminal can store, users as command records, and rows read back.

Security PUSH keeps a person in several tables (user, mulcarduser, userauthorize, biophoto,
biodata); attendance PUSH in one (USERINFO). Which fields and tables a terminal understands comes
from the options it announced (registry body, `table=options`, `GET OPTIONS` answers).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
import re

from ..codec import decode_base64, is_digits, optional_int
from ..errors import InvalidRequestError
from ..fields import read_doors
from ..model import Credentials, Family, Privilege, User, UserAccess
from .codes import language_choice
from .wire import old_decode_time, old_encode_time

# Biometric types of the unified tables (section 10.11 / Appendix 18).
BIO_FINGERPRINT = 1
BIO_FACE_NIR = 2
BIO_PALM = 8
BIO_FACE = 9
# Privileges: 0 user, 2 registrar, 6 administrator, 10 user-defined, 14 super administrator.
PRIVILEGE_USER = 0
PRIVILEGE_ADMIN = 14
# Short names; "long name" terminals (AccSupportFunList bit 5) take more.
NAME_LENGTH = 24
LONG_NAME_LENGTH = 64
PASSWORD_LENGTH = 8
CARD_DIGITS = 20
PIN_DIGITS = 9
# Fingers are numbered 0 to 9; templatev10 holds the fingerprint algorithm 10's templates.
MAX_FINGER = 9
V10_MAJOR = "10"
STRING_PIN_LENGTH = 24
MAX_PHOTO = 512 * 1024
_STRING_PIN = re.compile(r"^[A-Za-z0-9_-]+$")
_BRACKETED_CARD = re.compile(r"^\[((?:[0-9A-Fa-f]{2}){1,8})\]$")
# Chinese-language terminals read names as GB2312 (Appendix 4: 83 simplified, 84 traditional).
_CHINESE_LANGUAGES = frozenset({"zh_hans", "zh_hant"})


def _flag(options: Mapping[str, str], key: str) -> bool:
    return (optional_int(options.get(key)) or 0) == 1


def _types(value: str | None) -> frozenset[int]:
    """Read "0:1:0:0:0:0:0:0:1:1" (a flag per biometric type) into the supported types."""
    if not value:
        return frozenset()
    return frozenset(
        number for number, flag in enumerate(value.split(":")) if flag.strip() not in ("", "0")
    )


def _versions(value: str | None) -> dict[int, str]:
    """Read MultiBioVersion ("0:10.0:0:0:0:0:0:0:5.8") into {type: version}."""
    if not value:
        return {}
    return {
        number: version.strip()
        for number, version in enumerate(value.split(":"))
        if version.strip() not in ("", "0")
    }


@dataclass(slots=True, frozen=True, kw_only=True)
class Capabilities:
    """What a terminal's tables accept, from its options."""

    attendance: bool = False
    doors: int = 1
    date_fmt: bool = False
    disable_user: bool = False
    mul_card: bool = False
    dev_id: bool = False
    lock_control: bool = False
    long_name: bool = False
    # Verification modes by period (DiffTimezoneVS and the door and person rows).
    verify_periods: bool = False
    string_pin: bool = False
    bio_data: frozenset[int] = frozenset()
    bio_photo: frozenset[int] = frozenset()
    bio_versions: dict[int, str] = field(default_factory=dict)
    # Fingerprints in the older templatev10 table (algorithm 10, no unified fingerprints).
    fingerprint_v10: bool = False
    # Photos as display photos (userpic, PhotoFunOn) where no comparison photo is taken.
    user_photo: bool = False
    # Super users in a table of their own (SuperAuthorize: SupAuthzizeFunOn, or bit 16).
    super_authorize: bool = False
    # A longer unlock time per person (extuser's FunSwitch: UserOpenDoorDelayFunOn).
    extended_unlock: bool = False
    encoding: str = "utf-8"

    @classmethod
    def from_options(cls, options: Mapping[str, str], *, attendance: bool) -> Capabilities:
        """Read the capabilities out of the options a terminal announced."""
        functions = options.get("AccSupportFunList", "")

        def bit(position: int) -> bool:
            return len(functions) > position and functions[position] == "1"

        language = options.get("Language") or options.get("language") or ""
        bio_data = _types(options.get("MultiBioDataSupport"))
        bio_photo = _types(options.get("MultiBioPhotoSupport"))
        fingerprints = _flag(options, "FingerFunOn") or optional_int(options.get("ZKFPVersion"))
        return cls(
            attendance=attendance,
            doors=0 if attendance else read_doors(options.get("LockCount")) or 1,
            date_fmt=_flag(options, "DateFmtFunOn"),
            disable_user=_flag(options, "DisableUserFunOn"),
            mul_card=_flag(options, "MulCardUserFunOn"),
            dev_id=bit(26),
            lock_control=bit(2),
            verify_periods=bit(12),
            long_name=bit(5),
            string_pin=_flag(options, "StringPinFunOn"),
            bio_data=bio_data,
            bio_photo=bio_photo,
            bio_versions=_versions(options.get("MultiBioVersion")),
            fingerprint_v10=not attendance
            and BIO_FINGERPRINT not in bio_data
            and bool(fingerprints),
            user_photo=not attendance
            and BIO_FACE not in bio_photo
            and _flag(options, "PhotoFunOn"),
            # The document spells the option both ways (its list, its description).
            super_authorize=not attendance
            and (
                _flag(options, "SupAuthzizeFunOn") or _flag(options, "SupAuthrizeFunOn") or bit(16)
            ),
            extended_unlock=not attendance and _flag(options, "UserOpenDoorDelayFunOn"),
            encoding="gb18030" if language_choice(language) in _CHINESE_LANGUAGES else "utf-8",
        )

    @property
    def door_mask(self) -> int:
        """Return the AuthorizeDoorId giving every door (bit n-1 for door n)."""
        return (1 << max(self.doors, 1)) - 1

    @property
    def face_type(self) -> int | None:
        """Return the face template type this terminal stores (visible light first)."""
        for kind in (BIO_FACE, BIO_FACE_NIR):
            if kind in self.bio_data:
                return kind
        return None


# -- user ids, cards and text fields -----------------------------------------------------------


def canonical_pin(user_id: str, caps: Capabilities) -> str:
    """Return the PIN as the terminal stores it; InvalidRequestError if it cannot."""
    text = user_id.strip()
    if is_digits(text) and len(text.lstrip("0") or "0") <= PIN_DIGITS:
        number = int(text)
        if number == 0:
            raise InvalidRequestError("user id 0 is the terminal itself")
        return text if caps.string_pin else str(number)
    if caps.string_pin and len(text) <= STRING_PIN_LENGTH and _STRING_PIN.match(text):
        return text
    if caps.string_pin:
        raise InvalidRequestError(
            f"user id {user_id!r}: letters, digits, '-' and '_', at most {STRING_PIN_LENGTH}"
        )
    raise InvalidRequestError(f"user id {user_id!r}: a number of at most {PIN_DIGITS} digits")


def _text(value: str | None, what: str, limit: int) -> str:
    text = (value or "").strip()
    if any(char in text for char in "\t\r\n"):
        raise InvalidRequestError(f"{what} must be on one line")
    if len(text) > limit:
        raise InvalidRequestError(f"{what} must be at most {limit} characters")
    return text


def _card(value: str) -> str:
    card = value.strip()
    if not is_digits(card) or len(card) > CARD_DIGITS or int(card) == 0:
        raise InvalidRequestError(f"card {value!r}: a number of at most {CARD_DIGITS} digits")
    return str(int(card))


def card_hex(card: str) -> str:
    """Return a card number as mulcarduser stores it: upper-case hex, whole bytes."""
    digits = f"{int(card):X}"
    return digits.zfill(max(8, len(digits) + len(digits) % 2))


def read_card(value: str | None, *, hexadecimal: bool = False) -> str | None:
    """Read a card number: decimal, "[15CD5B07]" (bytes, lowest first) or mulcarduser hex."""
    text = (value or "").strip()
    if not text or text == "0":
        return None
    if bracketed := _BRACKETED_CARD.match(text):
        number = int.from_bytes(bytes.fromhex(bracketed.group(1)), "little")
        return str(number) if number else None
    try:
        number = int(text, 16) if hexadecimal else int(text)
    except ValueError:
        return None
    return str(number) if number > 0 else None


def _password(value: str | None) -> str:
    text = (value or "").strip()
    if text and (not is_digits(text) or len(text) > PASSWORD_LENGTH):
        raise InvalidRequestError(f"passwords are at most {PASSWORD_LENGTH} digits")
    return text


def encode_time(moment: datetime | None, zone: tzinfo, caps: Capabilities) -> str:
    """Encode a validity bound in the terminal's local time ("0": no limit)."""
    if moment is None:
        return "0"
    local = moment.astimezone(zone)
    if caps.date_fmt:
        return str(old_encode_time(local))
    return local.strftime("%Y%m%d")


def decode_time(value: str | None, zone: tzinfo, caps: Capabilities) -> datetime | None:
    """Read a validity bound: ZK seconds (DateFmtFunOn) or YYYYMMDD; None for no limit."""
    number = optional_int(value)
    if not number:
        return None
    text = str(number)
    if not caps.date_fmt and len(text) == 8:
        try:
            return datetime.strptime(text, "%Y%m%d").replace(tzinfo=zone)
        except ValueError:
            return None
    return old_decode_time(number, zone)


# -- templates ---------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Template:
    """One unified template row (biodata)."""

    pin: str
    type: int
    number: int
    data: str = field(repr=False)
    major: str = "0"
    minor: str = "0"
    format: str = "0"
    duress: bool = False

    def encoded(self) -> str:
        """Return the family's encoding kept in Credentials: type:version:format:duress:data."""
        return f"{self.type}:{self.major}.{self.minor}:{self.format}:{int(self.duress)}:{self.data}"

    @classmethod
    def decode(cls, pin: str, number: int, value: str, default_type: int) -> Template | None:
        """Rebuild from encoded() (or a bare base64 template of `default_type`)."""
        parts = value.split(":")
        if len(parts) == 1:
            return cls(pin, default_type, number, value) if value else None
        if len(parts) != 5 or not parts[4]:
            return None
        kind = optional_int(parts[0])
        major, _, minor = parts[1].partition(".")
        if kind is None:
            return None
        return cls(
            pin,
            kind,
            number,
            parts[4],
            major or "0",
            minor or "0",
            parts[2] or "0",
            parts[3] == "1",
        )


def template_from_row(fields: Mapping[str, str]) -> Template | None:
    """Read a biodata row; None for rows without a user, a type or data, or invalid ones."""
    pin = (fields.get("pin") or "").strip()
    kind = optional_int(fields.get("type"))
    data = re.sub(r"\s+", "", fields.get("tmp") or "")
    if not pin or kind is None or not data or fields.get("valid", "1").strip() == "0":
        return None
    if (optional_int(fields.get("index")) or 0) != 0:
        return None  # further samples of the same finger: the first one stands for it
    return Template(
        pin,
        kind,
        optional_int(fields.get("no")) or 0,
        data,
        (fields.get("majorver") or "0").strip(),
        (fields.get("minorver") or "0").strip(),
        (fields.get("format") or "0").strip(),
        fields.get("duress", "0").strip() == "1",
    )


def template_v10_from_row(fields: Mapping[str, str]) -> Template | None:
    """Read a templatev10 row (section 10.7): a fingerprint of algorithm 10; Valid 3 is duress."""
    pin = (fields.get("pin") or "").strip()
    number = optional_int(fields.get("fingerid"))
    data = re.sub(r"\s+", "", fields.get("template") or fields.get("tmp") or "")
    valid = (fields.get("valid") or "1").strip()
    if not pin or number is None or not 0 <= number <= MAX_FINGER or not data or valid == "0":
        return None
    return Template(pin, BIO_FINGERPRINT, number, data, V10_MAJOR, "0", duress=valid == "3")


def add_template(credentials: Credentials, template: Template, *, with_data: bool) -> None:
    """Put a template where Credentials keeps its kind (others are not carried)."""
    value = template.encoded() if with_data else ""
    credentials.origin = Family.ZK_PUSH
    if template.type in (BIO_FACE, BIO_FACE_NIR):
        credentials.face = value
    elif template.type == BIO_FINGERPRINT:
        credentials.fingerprints[template.number] = value
    elif template.type == BIO_PALM:
        credentials.palms[template.number] = value


def photo_from_row(fields: Mapping[str, str]) -> tuple[str, bytes] | None:
    """Read a biophoto row (visible light face photos only) into (pin, JPEG bytes)."""
    pin = (fields.get("pin") or "").strip()
    kind = optional_int(fields.get("type"))
    photo = decode_base64(fields.get("content"))
    if not pin or photo is None or kind not in (None, BIO_FACE):
        return None
    return pin, photo


# -- users as command records ------------------------------------------------------------------


Rows = list[tuple[str, str]]  # (pin, record)


@dataclass(slots=True)
class TableWrites:
    """The records a batch of users needs, per table and operation, in sending order."""

    user: Rows = field(default_factory=list)
    mulcard_delete: Rows = field(default_factory=list)
    mulcard: Rows = field(default_factory=list)
    # A person's rights written whole (several rows): their old rows go first.
    authorize_reset: Rows = field(default_factory=list)
    authorize: Rows = field(default_factory=list)
    authorize_delete: Rows = field(default_factory=list)
    photos: Rows = field(default_factory=list)
    user_photos: Rows = field(default_factory=list)
    templates: Rows = field(default_factory=list)
    fingerprints_v10: Rows = field(default_factory=list)

    def commands(self) -> Iterator[tuple[str, Rows]]:
        """Yield (command prefix, records) for every non-empty table operation."""
        yield from (
            (prefix, records)
            for prefix, records in (
                ("DATA UPDATE user", self.user),
                ("DATA DELETE mulcarduser", self.mulcard_delete),
                ("DATA UPDATE mulcarduser", self.mulcard),
                ("DATA DELETE userauthorize", self.authorize_reset),
                ("DATA UPDATE userauthorize", self.authorize),
                ("DATA DELETE userauthorize", self.authorize_delete),
                ("DATA UPDATE biophoto", self.photos),
                ("DATA UPDATE userpic", self.user_photos),
                ("DATA UPDATE biodata", self.templates),
                ("DATA UPDATE templatev10", self.fingerprints_v10),
            )
            if records
        )


def _row(*pairs: tuple[str, object]) -> str:
    return "\t".join(f"{key}={value}" for key, value in pairs)


def user_records(user: User, caps: Capabilities, zone: tzinfo, into: TableWrites) -> None:
    """Add the Security PUSH records of one user (its id already canonical) to `into`."""
    pin = user.user_id
    name = _text(user.name, "name", LONG_NAME_LENGTH if caps.long_name else NAME_LENGTH)
    cards = [_card(card) for card in user.cards]
    password = _password(user.password)
    if user.valid_from and user.valid_until and user.valid_from > user.valid_until:
        raise InvalidRequestError("the validity ends before it starts")
    row = _row(
        ("CardNo", cards[0] if cards else ""),
        ("Pin", pin),
        ("Password", password),
        ("Group", 1),
        ("StartTime", encode_time(user.valid_from, zone, caps)),
        ("EndTime", encode_time(user.valid_until, zone, caps)),
        ("Name", name),
        ("Privilege", PRIVILEGE_ADMIN if user.privilege is Privilege.ADMIN else PRIVILEGE_USER),
    )
    if caps.disable_user:
        row += f"\tDisable={0 if user.enabled else 1}"
    # Either way a disabled user loses the door rights (below): that is what keeps them out.
    if len(cards) > 1 and not caps.mul_card:
        raise InvalidRequestError("this terminal holds one card per user")
    into.user.append((pin, row))
    if caps.mul_card:
        into.mulcard_delete.append((pin, f"Pin={pin}"))
        into.mulcard.extend(
            (
                pin,
                _row(
                    ("Pin", pin),
                    ("CardNo", card_hex(card)),
                    ("LossCardFlag", 0),
                    ("CardType", int(number > 0)),
                ),
            )
            for number, card in enumerate(cards)
        )
    if not user.enabled:
        into.authorize_delete.append((pin, f"Pin={pin}"))
    elif user.access is None:
        into.authorize.append((pin, _authorize_row(pin, 1, caps.door_mask, caps)))
    else:
        # The directory's rights (protocols/zk_push/access.py): one row per time zone.
        into.authorize_reset.append((pin, f"Pin={pin}"))
        into.authorize.extend(
            (pin, _authorize_row(pin, zone, mask & caps.door_mask, caps))
            for zone, mask in authorize_rows(user.access)
        )
    _credential_records(user, caps, into)


def _authorize_row(pin: str, zone: int, mask: int, caps: Capabilities) -> str:
    row = _row(("Pin", pin), ("AuthorizeTimezoneId", zone), ("AuthorizeDoorId", mask))
    return row + ("\tDevID=1" if caps.dev_id else "")


def authorize_rows(access: UserAccess) -> list[tuple[int, int]]:
    """Return (time zone, door mask) rows of a person's rights: doors sharing a zone, one row."""
    masks: dict[int, int] = {}
    for door, zone in access.zones:
        masks[zone] = masks.get(zone, 0) | 1 << (door - 1)
    return sorted(masks.items())


def _credential_records(user: User, caps: Capabilities, into: TableWrites) -> None:
    creds = user.credentials
    pin = user.user_id
    if creds.photo:
        if BIO_FACE not in caps.bio_photo and not caps.user_photo:
            raise InvalidRequestError("this terminal does not take face photos")
        if len(creds.photo) > MAX_PHOTO:
            raise InvalidRequestError(f"photos must be at most {MAX_PHOTO // 1024} KB")
        content = base64.b64encode(creds.photo).decode()
    if creds.photo and BIO_FACE not in caps.bio_photo:
        # A display photo (section 12.1.1.31), shown when the person is recognised.
        into.user_photos.append(
            (
                pin,
                _row(("pin", pin), ("size", len(content)), ("format", 0), ("content", content)),
            )
        )
    elif creds.photo:
        into.photos.append(
            (
                pin,
                _row(
                    ("PIN", pin),
                    ("Type", BIO_FACE),
                    ("Size", len(content)),
                    ("Content", content),
                    ("Format", 0),
                    ("Url", ""),
                    ("PostBackTmpFlag", 0),
                ),
            )
        )
    if not creds.templates_for(Family.ZK_PUSH):
        return
    if caps.fingerprint_v10:
        into.fingerprints_v10.extend(
            (
                pin,
                _row(
                    ("Pin", pin),
                    ("FingerID", template.number),
                    ("Valid", 3 if template.duress else 1),
                    ("Template", template.data),
                ),
            )
            for template in _fingerprints_v10(pin, creds)
        )
    for template in _templates(pin, creds, caps):
        into.templates.append(
            (
                pin,
                _row(
                    ("Pin", pin),
                    ("No", template.number),
                    ("Index", 0),
                    ("Valid", 1),
                    ("Duress", int(template.duress)),
                    ("Type", template.type),
                    ("MajorVer", template.major),
                    ("MinorVer", template.minor),
                    ("Format", template.format),
                    ("Tmp", template.data),
                ),
            )
        )


def _templates(pin: str, creds: Credentials, caps: Capabilities) -> Iterator[Template]:
    """Yield the user's templates this terminal can store (its types, same major version)."""
    candidates: list[Template | None] = []
    if creds.face:
        candidates.append(Template.decode(pin, 0, creds.face, caps.face_type or BIO_FACE))
    candidates.extend(
        Template.decode(pin, n, value, BIO_FINGERPRINT)
        for n, value in creds.fingerprints.items()
        if value
    )
    candidates.extend(
        Template.decode(pin, n, value, BIO_PALM) for n, value in creds.palms.items() if value
    )
    for template in candidates:
        if template is None or template.type not in caps.bio_data:
            continue
        version = caps.bio_versions.get(template.type)
        if version and template.major != "0" and version.split(".")[0] != template.major:
            continue  # another algorithm generation: the terminal would refuse the whole batch
        yield template


def _fingerprints_v10(pin: str, creds: Credentials) -> Iterator[Template]:
    """Yield the user's fingerprints a templatev10 terminal takes (algorithm 10 or unknown)."""
    for number, value in creds.fingerprints.items():
        template = Template.decode(pin, number, value, BIO_FINGERPRINT) if value else None
        if (
            template is not None
            and template.type == BIO_FINGERPRINT
            and template.major in ("0", V10_MAJOR)
            and 0 <= number <= MAX_FINGER
        ):
            yield template


def delete_records(user_ids: Sequence[str] | None, caps: Capabilities) -> list[tuple[str, Rows]]:
    """Return (command prefix, (pin, condition) pairs) deleting users and all they hold."""
    pins = ["*"] if user_ids is None else list(user_ids)
    conditions = [(pin, "*" if pin == "*" else f"Pin={pin}") for pin in pins]
    photo_conditions = [(pin, "*" if pin == "*" else f"PIN={pin}") for pin in pins]
    commands = [("DATA DELETE userauthorize", conditions)]
    if caps.mul_card:
        commands.append(("DATA DELETE mulcarduser", conditions))
    if caps.bio_photo:
        commands.append(("DATA DELETE biophoto", photo_conditions))
    if caps.user_photo:
        commands.append(
            ("DATA DELETE userpic", [(pin, "*" if pin == "*" else f"pin={pin}") for pin in pins])
        )
    if caps.bio_data:
        commands.append(("DATA DELETE biodata", conditions))
    if caps.fingerprint_v10:
        commands.append(("DATA DELETE templatev10", conditions))
    commands.append(("DATA DELETE user", conditions))
    return commands


def user_from_row(fields: Mapping[str, str], caps: Capabilities, zone: tzinfo) -> User | None:
    """Read a user row (tabledata upload or DATA QUERY answer); None without a PIN."""
    pin = (fields.get("pin") or "").strip()
    if not pin or pin == "0":
        return None
    card = read_card(fields.get("cardno"))
    return User(
        user_id=pin,
        name=(fields.get("name") or "").strip() or None,
        privilege=Privilege.ADMIN
        if (optional_int(fields.get("privilege")) or 0) > PRIVILEGE_USER
        else Privilege.USER,
        cards=(card,) if card else (),
        password=(fields.get("password") or "").strip() or None,
        valid_from=decode_time(fields.get("starttime"), zone, caps),
        valid_until=decode_time(fields.get("endtime"), zone, caps),
        enabled=(optional_int(fields.get("disable")) or 0) == 0,
    )


def add_card(user: User, fields: Mapping[str, str]) -> None:
    """Add a mulcarduser row's card to `user` (cards of lost-card rows are left out)."""
    if (optional_int(fields.get("losscardflag")) or 0) != 0:
        return
    card = read_card(fields.get("cardno"), hexadecimal=True)
    if card is not None and card not in user.cards:
        primary = (optional_int(fields.get("cardtype")) or 0) == 0
        user.cards = (card, *user.cards) if primary else (*user.cards, card)


# -- attendance PUSH ---------------------------------------------------------------------------


def userinfo_command(user: User) -> str:
    """Return the attendance PUSH command writing one user (USERINFO)."""
    cards = [_card(card) for card in user.cards]
    if len(cards) > 1:
        raise InvalidRequestError("attendance terminals hold one card per user")
    if not user.enabled:
        raise InvalidRequestError("attendance terminals cannot disable a user: delete them")
    if user.valid_from is not None or user.valid_until is not None:
        # Accepting would let the person in outside the period.
        raise InvalidRequestError("attendance terminals cannot hold a validity period")
    row = _row(
        ("PIN", user.user_id),
        ("Name", _text(user.name, "name", NAME_LENGTH)),
        ("Pri", PRIVILEGE_ADMIN if user.privilege is Privilege.ADMIN else PRIVILEGE_USER),
        ("Passwd", _password(user.password)),
        ("Card", cards[0] if cards else ""),
        ("Grp", 1),
        ("TZ", "0000000000000000"),
    )
    return f"DATA UPDATE USERINFO {row}"


def user_from_userinfo(fields: Mapping[str, str]) -> User | None:
    """Read an attendance `USER PIN=..<TAB>Name=..` line."""
    pin = (fields.get("pin") or "").strip()
    if not pin or pin == "0":
        return None
    card = read_card(fields.get("card"))
    return User(
        user_id=pin,
        name=(fields.get("name") or "").strip() or None,
        privilege=Privilege.ADMIN
        if (optional_int(fields.get("pri")) or 0) > PRIVILEGE_USER
        else Privilege.USER,
        cards=(card,) if card else (),
        password=(fields.get("passwd") or "").strip() or None,
    )


def chunks[T](items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield lists of at most `size` items."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
