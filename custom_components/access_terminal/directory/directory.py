"""The loaded directory: its people and levels, what each terminal should hold, the checks.

The subentries are the truth; `Contents` is them read. For one terminal, `wanted` says which
people it should hold, with what rights (its family's compiled tables) and what it holds
narrower than asked. The same rules decide online authorization requests exactly, and name the
person on every access event of a terminal that holds them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from ..protocols.access import (
    ALL_DAY,
    ALWAYS,
    NEVER,
    AccessProfile,
    DayIntervals,
    DoorGrant,
    DoorSchedules,
    Notes,
    PersonPolicy,
    Shortfall,
    ShortfallNote,
    TimeRule,
    hold_verification,
    merged,
    roles_left_out,
)
from ..protocols.model import AccessEvent, Credentials, EventType, User, UserAccess
from .const import SUBENTRY_DOOR_SCHEDULE, SUBENTRY_LEVEL, SUBENTRY_PERSON
from .model import AccessLevel, DirectoryError, DoorSchedule, Person
from .sources import Sources
from .store import DirectoryStore

if TYPE_CHECKING:
    from ..coordinator import AccessTerminalCoordinator

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Contents:
    """People, access levels and door schedules (levels and schedules by case-free name)."""

    people: Mapping[str, Person] = field(default_factory=dict)
    levels: Mapping[str, AccessLevel] = field(default_factory=dict)
    door_schedules: Mapping[str, DoorSchedule] = field(default_factory=dict)

    @classmethod
    def of_entry(cls, entry: ConfigEntry[Any]) -> Contents:
        """Read the directory's subentries (one that cannot be read is left out, logged)."""
        people: dict[str, Person] = {}
        levels: dict[str, AccessLevel] = {}
        schedules: dict[str, DoorSchedule] = {}
        for subentry in entry.subentries.values():
            try:
                if subentry.subentry_type == SUBENTRY_PERSON:
                    person = Person.from_data(subentry.data)
                    people[person.person_id] = person
                elif subentry.subentry_type == SUBENTRY_LEVEL:
                    level = AccessLevel.from_data(subentry.data)
                    levels[level.key] = level
                elif subentry.subentry_type == SUBENTRY_DOOR_SCHEDULE:
                    schedule = DoorSchedule.from_data(subentry.data)
                    schedules[schedule.key] = schedule
            except (DirectoryError, KeyError, TypeError, ValueError) as err:
                _LOGGER.warning("Ignoring unreadable directory entry %s: %s", subentry.title, err)
        return cls(people, levels, schedules)

    def with_person(self, person: Person) -> Contents:
        """Return the contents with `person` added or replaced."""
        return replace(self, people={**self.people, person.person_id: person})

    def with_level(self, level: AccessLevel, replacing: str | None = None) -> Contents:
        """Return the contents with `level` added or replaced (renamed from `replacing`)."""
        levels = {key: known for key, known in self.levels.items() if key != replacing}
        return replace(self, levels={**levels, level.key: level})

    def with_door_schedule(self, schedule: DoorSchedule, replacing: str | None = None) -> Contents:
        """Return the contents with a door schedule added or replaced (renamed from `replacing`)."""
        schedules = {key: known for key, known in self.door_schedules.items() if key != replacing}
        return replace(self, door_schedules={**schedules, schedule.key: schedule})


@dataclass(frozen=True, slots=True)
class Wanted:
    """What one terminal should hold."""

    users: list[User]
    tables: Mapping[str, Any]
    notes: frozenset[ShortfallNote]


def _hours(week: tuple[Any, ...], day: date) -> Any:
    return week[day.weekday()]


class Directory:
    """The directory as loaded: contents, saved state, followed entities."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any], store: DirectoryStore) -> None:
        """Read the subentries; `sources` follows what the levels name once started."""
        self.hass = hass
        self.entry = entry
        self.store = store
        self.contents = Contents.of_entry(entry)
        self.sources = Sources(hass, self._sources_changed)
        self._rules: dict[str, TimeRule] = {}
        # Called when something every terminal must be checked against changed.
        self.on_change: Callable[[], None] | None = None

    # -- contents and the entities they follow ---------------------------------------------

    def followed(self) -> set[str]:
        """Return the schedule and calendar entities the levels and door schedules follow."""
        contents = self.contents
        return {
            entity
            for level in (*contents.levels.values(), *contents.door_schedules.values())
            for entity in level.entities()
        }

    async def async_reload(self) -> bool:
        """Read the subentries again; return True if the contents changed."""
        contents = Contents.of_entry(self.entry)
        if contents == self.contents:
            return False
        self.contents = contents
        self._rules.clear()
        await self.sources.async_follow(self.followed())
        return True

    @callback
    def _sources_changed(self, _entities: set[str]) -> None:
        self._rules.clear()
        if self.on_change is not None:
            self.on_change()

    def rule_of(self, level: AccessLevel) -> TimeRule:
        """Return when a level's doors may be used (its schedule, its holidays)."""
        rule = self._rules.get(level.unique_id)
        if rule is None:
            rule = self._rules[level.unique_id] = self._build_rule(level)
        return rule

    def _build_rule(self, level: AccessLevel) -> TimeRule:
        sources = self.sources
        week = (ALL_DAY,) * 7 if level.schedule is None else sources.week(level.schedule)
        days = set(level.holiday_dates)
        if level.holiday_calendar is not None:
            days |= sources.dates(level.holiday_calendar)
        hours: tuple[DayIntervals, ...] = (NEVER,) * 7
        if level.holiday_schedule is not None:
            hours = sources.week(level.holiday_schedule)
        return TimeRule(week=week, exceptions={day: _hours(hours, day) for day in days})

    # -- people on a terminal --------------------------------------------------------------

    def grants(
        self, person: Person, device_id: str | None, contents: Contents | None = None
    ) -> tuple[DoorGrant, ...]:
        """Return the doors of one terminal a person's levels name, with their rules."""
        contents = contents or self.contents
        grants = []
        for name in person.levels:
            level = contents.levels.get(name.casefold())
            if level is None:
                continue
            doors = frozenset(ref.door for ref in level.doors if ref.device_id == device_id)
            if doors:
                grants.append(
                    DoorGrant(
                        doors,
                        self.rule_of(level),
                        level.verify_mode,
                        first_card=level.first_card_opens,
                        super_user=level.super_users,
                    )
                )
        return tuple(grants)

    def door_schedules(
        self, device_id: str | None, contents: Contents | None = None
    ) -> DoorSchedules:
        """Return what the door schedules ask of one terminal's doors.

        When each door is free (its free-open schedules, merged), and the verification modes
        its other schedules demand (one per mode, merged).
        """
        free: dict[int, list[TimeRule]] = {}
        verify: dict[int, dict[str, list[TimeRule]]] = {}
        for schedule in (contents or self.contents).door_schedules.values():
            for ref in schedule.doors:
                if ref.device_id != device_id:
                    continue
                when = self.rule_of(schedule)
                if schedule.verify_mode is None:
                    free.setdefault(ref.door, []).append(when)
                else:
                    modes = verify.setdefault(ref.door, {})
                    modes.setdefault(schedule.verify_mode, []).append(when)
        return DoorSchedules(
            free_open={
                door: rule
                for door, found in sorted(free.items())
                if (rule := merged(found)) is not None
            },
            verify={
                door: tuple(
                    (mode, merged(rules) or ALWAYS) for mode, rules in sorted(modes.items())
                )
                for door, modes in sorted(verify.items())
            },
        )

    def uses_left(self, person: Person) -> int | None:
        """Return how many uses a pass has left (None: no limit)."""
        if person.max_uses is None:
            return None
        return max(person.max_uses - self.store.uses.get(person.person_id, 0), 0)

    def wanted(
        self,
        coordinator: AccessTerminalCoordinator,
        profile: AccessProfile,
        now: datetime,
        contents: Contents | None = None,
    ) -> Wanted:
        """Return what `coordinator`'s terminal should hold at `now` (and what it cannot)."""
        notes = Notes()
        chosen: list[tuple[Person, PersonPolicy]] = []
        for person in (contents or self.contents).people.values():
            grants = self.grants(person, coordinator.device_id, contents)
            if grants and (policy := self._policy(person, grants, profile, now, notes)):
                chosen.append((person, policy))
        schedules = self.door_schedules(coordinator.device_id, contents)
        if schedules.free_open and not profile.free_open:
            notes.add(Shortfall.FREE_OPEN)
        policies = [policy for _, policy in chosen]
        if not profile.verify_modes:
            # Refused during the periods that demand a verification it cannot ask for.
            policies, schedules = hold_verification(policies, schedules, _never, notes)
        plan = coordinator.terminal.compile_access(
            policies,
            dt_util.as_local(now).date(),
            doors=schedules if profile.free_open else None,
        )
        users = [
            self._user(person, policy, access, profile, coordinator)
            for person, policy in chosen
            if (access := plan.people.get(person.person_id)) is not None
        ]
        return Wanted(users, plan.tables, notes.frozen() | plan.shortfalls)

    def _policy(
        self,
        person: Person,
        grants: tuple[DoorGrant, ...],
        profile: AccessProfile,
        now: datetime,
        notes: Notes,
    ) -> PersonPolicy | None:
        """Return a person's policy on a terminal, or None when it must not hold them now."""
        uses_left = self.uses_left(person)
        if person.valid_until is not None and now >= person.valid_until:
            return None  # expired: removed everywhere
        if uses_left == 0:
            return None  # a pass used up
        early = person.valid_from is not None and now < person.valid_from
        if early and not profile.validity_start:
            notes.add(Shortfall.VALIDITY_START)
            return None  # added when the validity starts
        if not person.enabled and not profile.can_disable:
            return None  # removed while disabled
        if person.valid_until is not None and not profile.validity_end:
            notes.add(Shortfall.VALIDITY_END)
        if person.max_uses is not None and not profile.use_counts:
            notes.add(Shortfall.USE_COUNTS)
        if person.qr_code is not None and not profile.qr_codes:
            notes.add(Shortfall.QR_CODES)
        if len(person.cards) > profile.cards:
            notes.add(Shortfall.CARDS, len(person.cards), profile.cards)
        policy = PersonPolicy(
            person_id=person.person_id,
            grants=grants,
            enabled=person.enabled,
            valid_from=person.valid_from if profile.validity_start else None,
            valid_until=person.valid_until if profile.validity_end else None,
            uses_left=uses_left if profile.use_counts else None,
            extended_unlock=person.extended_unlock,
        )
        roles_left_out(policy, profile, notes)
        return policy

    def _user(
        self,
        person: Person,
        policy: PersonPolicy,
        access: UserAccess,
        profile: AccessProfile,
        coordinator: AccessTerminalCoordinator,
    ) -> User:
        credentials = Credentials(photo=self.store.photos.get(person.person_id))
        held = self.store.harvested_for(person.person_id, coordinator.family, coordinator.serial)
        if held is not None:
            credentials.face = held.face
            credentials.fingerprints = dict(held.fingerprints)
            credentials.palms = dict(held.palms)
            credentials.origin = held.origin
        return User(
            user_id=person.person_id,
            name=person.name,
            cards=person.cards[: profile.cards],
            password=person.pin,
            valid_from=policy.valid_from,
            valid_until=policy.valid_until,
            enabled=person.enabled,
            credentials=credentials,
            qr_code=person.qr_code if profile.qr_codes else None,
            access=access,
        )

    def boundaries(self, now: datetime) -> list[datetime]:
        """Return the moments ahead at which someone's validity starts or ends."""
        return sorted(
            moment
            for person in self.contents.people.values()
            for moment in (person.valid_from, person.valid_until)
            if moment is not None and moment > now
        )

    # -- events and online decisions --------------------------------------------------------

    def person_on(
        self, coordinator: AccessTerminalCoordinator, user_id: str | None
    ) -> Person | None:
        """Return the directory person a terminal's user is, if the terminal is theirs."""
        if user_id is None:
            return None
        text = user_id.strip()
        key = str(int(text)) if text.isascii() and text.isdigit() else text
        person = self.contents.people.get(key)
        if person is None or not self.grants(person, coordinator.device_id):
            return None
        return person

    def name_event(self, coordinator: AccessTerminalCoordinator, event: AccessEvent) -> None:
        """Name the directory person of an event; count a pass's use when it lets them in."""
        person = self.person_on(coordinator, event.user_id)
        if person is None:
            return
        event.person_id = person.person_id
        event.ha_person = person.ha_person
        event.user_name = person.name
        if event.type is EventType.ACCESS_GRANTED and person.max_uses is not None:
            self.store.uses[person.person_id] = self.store.uses.get(person.person_id, 0) + 1
            self.store.schedule_save()
            if self.on_change is not None:
                self.on_change()  # uses left change on every terminal (and 0 removes it)

    async def authorize(
        self, coordinator: AccessTerminalCoordinator, event: AccessEvent
    ) -> tuple[bool, str | None] | None:
        """Decide from the directory, exactly, whether a person may pass now.

        An event with a QR code and no person is first given the person whose code it is
        (their id and name), if they may use this terminal.
        """
        if event.user_id is None and event.qr_code is not None:
            code = event.qr_code
            holder = next((p for p in self.contents.people.values() if p.qr_code == code), None)
            if holder is not None and self.grants(holder, coordinator.device_id):
                event.user_id, event.user_name = holder.person_id, holder.name
        person = self.person_on(coordinator, event.user_id)
        if person is None:
            return None
        grants = self.grants(person, coordinator.device_id)
        policy = PersonPolicy(
            person_id=person.person_id,
            grants=grants,
            enabled=person.enabled,
            valid_from=person.valid_from,
            valid_until=person.valid_until,
            uses_left=self.uses_left(person),
        )
        reason = policy.decide(event.door, dt_util.now())
        return (True, None) if reason is None else (False, f"Access denied ({reason})")

    # -- checks of what people ask for ------------------------------------------------------

    def check_person(self, person: Person, contents: Contents | None = None) -> None:
        """Refuse a person whose levels, cards, PIN, id or HA person do not fit the directory."""
        contents = contents or self.contents
        known = contents.people.get(person.person_id)
        if known is not None and known.is_pass != person.is_pass:
            raise DirectoryError(
                "id_taken_by_pass" if known.is_pass else "id_taken_by_person",
                person_id=person.person_id,
            )
        for name in person.levels:
            if name.casefold() not in contents.levels:
                raise DirectoryError("unknown_level", level=name)
        if person.ha_person is not None and (
            not person.ha_person.startswith("person.") or not self.hass.states.get(person.ha_person)
        ):
            raise DirectoryError("unknown_ha_person", entity_id=person.ha_person)
        for other in contents.people.values():
            if other.person_id == person.person_id:
                continue
            if shared := set(other.cards) & set(person.cards):
                raise DirectoryError(
                    "card_taken", card=min(shared), person_id=other.person_id, name=other.name
                )
            if person.pin is not None and other.pin == person.pin:
                raise DirectoryError("pin_taken")
            if person.qr_code is not None and other.qr_code == person.qr_code:
                raise DirectoryError("qr_code_taken")

    def check_level(self, level: AccessLevel, terminals: Mapping[str, Any]) -> None:
        """Refuse a level naming doors no terminal has, or entities that do not exist.

        `terminals` are the loaded terminals' coordinators by device id.
        """
        for ref in level.doors:
            coordinator = terminals.get(ref.device_id)
            if coordinator is None:
                raise DirectoryError("unknown_terminal", device_id=ref.device_id)
            doors = max(len(coordinator.data.door_numbers), 1)  # an attendance terminal: itself
            if not 1 <= ref.door <= doors:
                raise DirectoryError(
                    "unknown_door",
                    door=str(ref.door),
                    serial=coordinator.serial,
                    doors=str(doors),
                )
        for entity, domain in (
            (level.schedule, "schedule"),
            (level.holiday_schedule, "schedule"),
            (level.holiday_calendar, "calendar"),
        ):
            if entity is None:
                continue
            if entity.partition(".")[0] != domain or self.hass.states.get(entity) is None:
                raise DirectoryError(f"unknown_{domain}", entity_id=entity)

    def check_capacity(
        self, contents: Contents, coordinators: Iterable[AccessTerminalCoordinator]
    ) -> None:
        """Refuse contents that need more time zones than a terminal holds (and did not)."""
        now = dt_util.utcnow()
        for coordinator in coordinators:
            profile = coordinator.terminal.access_profile
            if profile is None:
                continue
            overflow = _overflow(self.wanted(coordinator, profile, now, contents))
            if overflow is not None and _overflow(self.wanted(coordinator, profile, now)) is None:
                raise DirectoryError(
                    "too_many_levels",
                    serial=coordinator.serial,
                    family=str(coordinator.family),
                    held=str(overflow.held),
                )


def _never(_mode: str, _rule: TimeRule) -> bool:
    """Hold no verification mode (a terminal without them)."""
    return False


def _overflow(wanted: Wanted) -> ShortfallNote | None:
    return next((note for note in wanted.notes if note.kind is Shortfall.TIME_ZONES), None)
