"""ZK PUSH user listings: the DATA QUERY commands that ask for users, and the rows they bring.

A Security PUSH terminal answers each query by uploading rows (`querydata`, in several packs for
a large table), then reports the query's result (`devicecmd`); an attendance terminal uploads
USER lines as OPERLOG. The tables are merged into users once every query has reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import tzinfo

from ..model import User
from ..push import Listing
from .users import (
    BIO_FACE,
    BIO_FACE_NIR,
    BIO_FINGERPRINT,
    BIO_PALM,
    Capabilities,
    Template,
    add_card,
    add_template,
    photo_from_row,
    template_from_row,
    template_v10_from_row,
    user_from_row,
)
from .wire import parse_fields

# Up to this many ids are listed one query each; more are filtered out of a full listing.
PER_ID_QUERIES = 20
# Template types a listing reads (those Credentials has a place for).
_LISTED_TYPES = frozenset({BIO_FINGERPRINT, BIO_FACE_NIR, BIO_PALM, BIO_FACE})


@dataclass(slots=True, frozen=True)
class TableQuery:
    """One DATA QUERY of a listing; the listing fails only when a `required` one fails."""

    table: str
    condition: str
    required: bool = False

    @property
    def text(self) -> str:
        """Return the command text."""
        return f"DATA QUERY tablename={self.table},fielddesc=*,{self.condition}"


def table_queries(wanted: set[str] | None, caps: Capabilities) -> list[TableQuery]:
    """Return the queries that list `wanted` (None: everyone) from a Security PUSH terminal."""
    filters = ["*"]
    if wanted is not None and len(wanted) <= PER_ID_QUERIES:
        filters = [f"Pin={pin}" for pin in sorted(wanted)]
    queries: list[TableQuery] = []
    for condition in filters:
        queries.append(TableQuery("user", f"filter={condition}", required=True))
        if caps.mul_card:
            queries.append(TableQuery("mulcarduser", f"filter={condition}"))
        pin_filter = "" if condition == "*" else f"\t{condition}"
        queries.extend(
            TableQuery("biodata", f"filter=Type={kind}{pin_filter}")
            for kind in sorted(caps.bio_data & _LISTED_TYPES)
        )
        if caps.fingerprint_v10:
            queries.append(TableQuery("templatev10", f"filter={condition}"))
        if BIO_FACE in caps.bio_photo:
            queries.append(TableQuery("biophoto", f"filter=Type={BIO_FACE}{pin_filter}"))
    return queries


def userinfo_queries(wanted: set[str] | None) -> list[str]:
    """Return the commands that list `wanted` (None: everyone) from an attendance terminal."""
    if wanted is not None and len(wanted) <= PER_ID_QUERIES:
        return [f"DATA QUERY USERINFO PIN={pin}" for pin in sorted(wanted)]
    return ["DATA QUERY USERINFO"]


@dataclass(slots=True)
class UserListing(Listing):
    """Users collected from the answers to a listing's queries."""

    wanted: set[str] | None
    with_credentials: bool
    users: dict[str, User] = field(default_factory=dict)
    cards: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    templates: list[Template] = field(default_factory=list)
    photos: dict[str, bytes] = field(default_factory=dict)

    def keeps(self, pin: str) -> bool:
        """Return True if the listing asked for `pin`."""
        return self.wanted is None or pin in self.wanted

    def add(self, user: User) -> None:
        """Take a user an attendance terminal uploaded (a USER line of OPERLOG)."""
        self.arrived()
        if self.keeps(user.user_id):
            self.users[user.user_id] = user

    def collect(self, table: str, rows: Iterable[str], caps: Capabilities, zone: tzinfo) -> None:
        """Take the rows a query uploaded from `table` (lower case)."""
        self.arrived()
        for row in rows:
            fields = parse_fields(row)
            pin = (fields.get("pin") or "").strip()
            if not self.keeps(pin):
                continue
            if table == "user":
                if (user := user_from_row(fields, caps, zone)) is not None:
                    self.users[user.user_id] = user
            elif table == "mulcarduser":
                self.cards.setdefault(pin, []).append(
                    {
                        key: fields[key]
                        for key in ("cardno", "cardtype", "losscardflag")
                        if key in fields
                    }
                )
            elif table in ("biodata", "templatev10"):
                read = template_from_row if table == "biodata" else template_v10_from_row
                if (template := read(fields)) is not None:
                    if not self.with_credentials:
                        template = replace(template, data="")
                    self.templates.append(template)
            elif table == "biophoto" and (photo := photo_from_row(fields)) is not None:
                self.photos[photo[0]] = photo[1] if self.with_credentials else b""

    def result(self) -> list[User]:
        """Merge the tables into users."""
        for pin, rows in self.cards.items():
            user = self.users.get(pin)
            if user is not None:
                user.cards = ()
                for row in rows:
                    add_card(user, row)
        for template in self.templates:
            if (user := self.users.get(template.pin)) is not None:
                add_template(user.credentials, template, with_data=self.with_credentials)
        for pin, photo in self.photos.items():
            if (user := self.users.get(pin)) is not None:
                user.credentials.photo = photo if self.with_credentials else b""
        return list(self.users.values())
