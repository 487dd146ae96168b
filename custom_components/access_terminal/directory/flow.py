"""Forms of the access directory: people and access levels (config subentries), options.

Each form checks what it is given exactly as the actions do (services.py): a refusal shows the
same translated message on the form, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.selector import (
    BooleanSelector,
    DateTimeSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from ..files import FILES_FOLDER
from ..protocols.settings import VERIFY_MODES
from .const import (
    ATTR_CARDS,
    ATTR_DEVICE_ID,
    ATTR_DOOR,
    ATTR_DOOR_MODE,
    ATTR_DOORS,
    ATTR_ENABLED,
    ATTR_EXTENDED_UNLOCK,
    ATTR_FIRST_CARD_OPENS,
    ATTR_HA_PERSON,
    ATTR_HOLIDAY_CALENDAR,
    ATTR_HOLIDAY_DATES,
    ATTR_HOLIDAY_SCHEDULE,
    ATTR_LEVELS,
    ATTR_NAME,
    ATTR_PERSON_ID,
    ATTR_PHOTO,
    ATTR_PIN,
    ATTR_SCHEDULE,
    ATTR_SUPER_USERS,
    ATTR_VALID_FROM,
    ATTR_VALID_UNTIL,
    ATTR_VERIFY_MODE,
    CONF_READBACK_HOURS,
    CONF_REPAIR_AFTER,
    DEFAULT_READBACK_HOURS,
    DEFAULT_REPAIR_AFTER,
    DOOR_MODE_FREE_OPEN,
    SELECTOR_DOOR_MODE,
    SELECTOR_VERIFY_MODE,
    SUBENTRY_DOOR_SCHEDULE,
    SUBENTRY_LEVEL,
    SUBENTRY_PERSON,
)
from .entry import DirectoryConfigEntry, loaded_directory
from .model import AccessLevel, DirectoryError, DoorSchedule, Person
from .services import (
    async_check_person,
    async_save_door_schedule,
    check_door_schedule,
    check_level,
    converge,
    put_subentry,
    read_photo,
    remove_subentry,
)

_MULTIPLE_TEXT = TextSelector(TextSelectorConfig(multiple=True))
_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _person_schema(levels: list[str], *, new: bool) -> vol.Schema:
    fields: dict[vol.Marker, Any] = {}
    if new:
        fields[vol.Required(ATTR_PERSON_ID)] = TextSelector()
    fields.update(
        {
            vol.Required(ATTR_NAME): TextSelector(),
            vol.Optional(ATTR_HA_PERSON): EntitySelector(EntitySelectorConfig(domain="person")),
            vol.Optional(ATTR_LEVELS, default=[]): SelectSelector(
                SelectSelectorConfig(options=levels, multiple=True, mode=SelectSelectorMode.LIST)
            ),
            vol.Optional(ATTR_CARDS, default=[]): _MULTIPLE_TEXT,
            vol.Optional(ATTR_PIN): _PASSWORD,
            vol.Optional(ATTR_PHOTO): TextSelector(),
            vol.Optional(ATTR_ENABLED, default=True): BooleanSelector(),
            vol.Optional(ATTR_VALID_FROM): DateTimeSelector(),
            vol.Optional(ATTR_VALID_UNTIL): DateTimeSelector(),
            vol.Optional(ATTR_EXTENDED_UNLOCK, default=False): BooleanSelector(),
        }
    )
    return vol.Schema(fields)


def _refused(err: DirectoryError) -> tuple[dict[str, str], dict[str, str]]:
    """Return the form's errors and the placeholders of their message."""
    return {"base": err.key}, {"error_" + key: value for key, value in err.placeholders.items()}


class _DirectorySubentryFlow(ConfigSubentryFlow):
    """What both kinds of subentry share: the loaded directory's entry."""

    def _directory_entry(self) -> DirectoryConfigEntry:
        entry = loaded_directory(self.hass)
        if entry is None:
            raise DirectoryError("no_directory")
        return entry

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a person or a level."""
        return await self._step("user", user_input, None)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a person (their id stays) or a level (its people follow a new name)."""
        return await self._step("reconfigure", user_input, self._get_reconfigure_subentry().data)

    async def _step(
        self, step: str, user_input: dict[str, Any] | None, known: Mapping[str, Any] | None
    ) -> SubentryFlowResult:
        try:
            entry = self._directory_entry()
        except DirectoryError:
            return self.async_abort(reason="no_directory")
        return await self._form(entry, step, user_input, known)

    async def _form(
        self,
        entry: DirectoryConfigEntry,
        step: str,
        user_input: dict[str, Any] | None,
        known: Mapping[str, Any] | None,
    ) -> SubentryFlowResult:
        """Show the form, or check and keep what was entered."""
        raise NotImplementedError


class PersonSubentryFlow(_DirectorySubentryFlow):
    """Add or change a person of the directory."""

    async def _form(
        self,
        entry: DirectoryConfigEntry,
        step: str,
        user_input: dict[str, Any] | None,
        known: Mapping[str, Any] | None,
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        placeholders = {"files": FILES_FOLDER}
        if user_input is not None:
            try:
                person = await self._check(entry, user_input, known)
            except DirectoryError as err:
                errors, refused = _refused(err)
                placeholders |= refused
            else:
                if known is None:
                    return self.async_create_entry(
                        title=person.name, data=person.as_data(), unique_id=person.unique_id
                    )
                return self.async_update_and_abort(
                    entry,
                    self._get_reconfigure_subentry(),
                    title=person.name,
                    data=person.as_data(),
                )
        levels = sorted(
            level.name for level in entry.runtime_data.directory.contents.levels.values()
        )
        suggested = dict(user_input or {})
        if not suggested and known is not None:
            suggested = {k: v for k, v in known.items() if v is not None and k != ATTR_PIN}
            suggested.pop(ATTR_PHOTO, None)
        return self.async_show_form(
            step_id=step,
            data_schema=self.add_suggested_values_to_schema(
                _person_schema(levels, new=known is None), suggested
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _check(
        self,
        entry: DirectoryConfigEntry,
        user_input: dict[str, Any],
        known: Mapping[str, Any] | None,
    ) -> Person:
        data = dict(known or {}) | user_input
        if known is not None:
            data[ATTR_PERSON_ID] = known[ATTR_PERSON_ID]
            if not user_input.get(ATTR_PIN):
                data[ATTR_PIN] = known.get(ATTR_PIN)  # an empty field keeps the PIN
        data[ATTR_PHOTO] = (known or {}).get(ATTR_PHOTO)
        photo = None
        if path := (user_input.get(ATTR_PHOTO) or "").strip():
            photo = await read_photo(self.hass, path)
        if known is None and data.get(ATTR_PERSON_ID) is not None:
            person_id = Person.from_data({**data, ATTR_PHOTO: None}).person_id
            if person_id in entry.runtime_data.directory.contents.people:
                raise DirectoryError("person_exists", person_id=person_id)
        return await async_check_person(self.hass, entry, data, photo=photo)


def _door_options(hass: HomeAssistant, entry: DirectoryConfigEntry) -> list[SelectOptionDict]:
    """Every door of every loaded terminal, by the device's name as people see it."""
    devices = dr.async_get(hass)
    options = []
    for device_id, coordinator in entry.runtime_data.reconciler.coordinators().items():
        device = devices.async_get(device_id)
        name = (device.name_by_user or device.name) if device else None
        terminal = name or coordinator.serial
        numbers = coordinator.data.door_numbers or [1]
        for door in numbers:
            label = terminal if len(numbers) == 1 else f"{terminal} door {door}"
            options.append(SelectOptionDict(value=f"{device_id}:{door}", label=label))
    return sorted(options, key=lambda option: option["label"])


def _kind_fields(*, door_schedule: bool) -> dict[vol.Marker, Any]:
    """Return what a door schedule has (its mode: free or a verification) or a level has.

    A level: its people's verification mode (optional) and roles at its doors; a door
    schedule has no people.
    """
    if door_schedule:
        return {
            vol.Optional(ATTR_DOOR_MODE, default=DOOR_MODE_FREE_OPEN): SelectSelector(
                SelectSelectorConfig(
                    options=[DOOR_MODE_FREE_OPEN, *VERIFY_MODES],
                    translation_key=SELECTOR_DOOR_MODE,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            )
        }
    return {
        vol.Optional(ATTR_VERIFY_MODE): SelectSelector(
            SelectSelectorConfig(
                options=list(VERIFY_MODES),
                translation_key=SELECTOR_VERIFY_MODE,
                mode=SelectSelectorMode.DROPDOWN,
            )
        ),
        vol.Optional(ATTR_FIRST_CARD_OPENS, default=False): BooleanSelector(),
        vol.Optional(ATTR_SUPER_USERS, default=False): BooleanSelector(),
    }


def _level_schema(doors: list[SelectOptionDict], *, needs_schedule: bool) -> vol.Schema:
    schedule = EntitySelector(EntitySelectorConfig(domain="schedule"))
    when = vol.Required(ATTR_SCHEDULE) if needs_schedule else vol.Optional(ATTR_SCHEDULE)
    return vol.Schema(
        {
            vol.Required(ATTR_NAME): TextSelector(),
            # No default, and the frontend ticks the first door itself: a level opens none
            # until someone picks them.
            vol.Required(ATTR_DOORS, default=[]): SelectSelector(
                SelectSelectorConfig(options=doors, multiple=True, mode=SelectSelectorMode.LIST)
            ),
            when: schedule,
            vol.Optional(ATTR_HOLIDAY_CALENDAR): EntitySelector(
                EntitySelectorConfig(domain="calendar")
            ),
            vol.Optional(ATTR_HOLIDAY_DATES, default=[]): _MULTIPLE_TEXT,
            vol.Optional(ATTR_HOLIDAY_SCHEDULE): schedule,
            **_kind_fields(door_schedule=needs_schedule),
        }
    )


def _doors_input(user_input: Mapping[str, Any]) -> dict[str, Any]:
    doors = []
    for value in user_input.get(ATTR_DOORS) or ():
        device_id, _, door = str(value).rpartition(":")
        doors.append({ATTR_DEVICE_ID: device_id, ATTR_DOOR: int(door) if door.isdigit() else 0})
    return {**user_input, ATTR_DOORS: doors}


class _DoorsSubentryFlow[Level: AccessLevel](_DirectorySubentryFlow):
    """Doors and when: an access level, or a door schedule (the same form)."""

    needs_schedule = False

    def _read(self, user_input: Mapping[str, Any]) -> Level:
        raise NotImplementedError

    def _check(self, entry: DirectoryConfigEntry, level: Level, replacing: str | None) -> None:
        raise NotImplementedError

    async def _save_renamed(
        self, entry: DirectoryConfigEntry, level: Level, replacing: str
    ) -> None:
        """Keep a level under its new name (its unique id changes with it)."""
        raise NotImplementedError

    async def _form(
        self,
        entry: DirectoryConfigEntry,
        step: str,
        user_input: dict[str, Any] | None,
        known: Mapping[str, Any] | None,
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            replacing = None if known is None else str(known[ATTR_NAME]).casefold()
            try:
                level = self._read(_doors_input(user_input))
                self._check(entry, level, replacing)
            except DirectoryError as err:
                errors, placeholders = _refused(err)
            else:
                if replacing is None:
                    return self.async_create_entry(
                        title=level.name, data=level.as_data(), unique_id=level.unique_id
                    )
                if replacing == level.key:
                    subentry = self._get_reconfigure_subentry()
                    return self.async_update_and_abort(
                        entry, subentry, title=level.name, data=level.as_data()
                    )
                await self._save_renamed(entry, level, replacing)
                return self.async_abort(reason="reconfigure_successful")
        suggested = dict(user_input or {})
        if not suggested and known is not None:
            suggested = {k: v for k, v in known.items() if v is not None and k != ATTR_DOORS}
            suggested[ATTR_DOORS] = [
                f"{door[ATTR_DEVICE_ID]}:{door[ATTR_DOOR]}" for door in known.get(ATTR_DOORS, ())
            ]
        schema = _level_schema(_door_options(self.hass, entry), needs_schedule=self.needs_schedule)
        return self.async_show_form(
            step_id=step,
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )


class LevelSubentryFlow(_DoorsSubentryFlow[AccessLevel]):
    """Add or change an access level."""

    _renamed: list[Person]

    def _read(self, user_input: Mapping[str, Any]) -> AccessLevel:
        return AccessLevel.from_data(user_input)

    def _check(
        self, entry: DirectoryConfigEntry, level: AccessLevel, replacing: str | None
    ) -> None:
        self._renamed = check_level(entry, level, replacing)

    async def _save_renamed(
        self, entry: DirectoryConfigEntry, level: AccessLevel, replacing: str
    ) -> None:
        # Its people follow the new name.
        for person in self._renamed:
            put_subentry(
                self.hass, entry, SUBENTRY_PERSON, person.unique_id, person.name, person.as_data()
            )
        remove_subentry(self.hass, entry, self._get_reconfigure_subentry().unique_id or "")
        put_subentry(self.hass, entry, SUBENTRY_LEVEL, level.unique_id, level.name, level.as_data())
        await converge(entry)


class DoorScheduleSubentryFlow(_DoorsSubentryFlow[DoorSchedule]):
    """Add or change a door schedule (doors free during a schedule, kept by the terminals)."""

    needs_schedule = True

    def _read(self, user_input: Mapping[str, Any]) -> DoorSchedule:
        return DoorSchedule.from_data(user_input)

    def _check(
        self, entry: DirectoryConfigEntry, level: DoorSchedule, replacing: str | None
    ) -> None:
        check_door_schedule(entry, level, replacing)

    async def _save_renamed(
        self, entry: DirectoryConfigEntry, level: DoorSchedule, replacing: str
    ) -> None:
        await async_save_door_schedule(self.hass, entry, level, replacing)


SUBENTRY_FLOWS: dict[str, type[ConfigSubentryFlow]] = {
    SUBENTRY_PERSON: PersonSubentryFlow,
    SUBENTRY_LEVEL: LevelSubentryFlow,
    SUBENTRY_DOOR_SCHEDULE: DoorScheduleSubentryFlow,
}


class DirectoryOptionsFlow(OptionsFlow):
    """How often terminals are read back, and when an out-of-sync terminal is a repair."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the directory's options (a step of their own: terminals have other ones)."""
        return await self.async_step_directory(user_input)

    async def async_step_directory(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask how often to read back and when to report a terminal out of sync."""
        if user_input is not None:
            return self.async_create_entry(
                data={key: int(value) for key, value in user_input.items()}
            )
        schema = vol.Schema(
            {
                vol.Required(CONF_READBACK_HOURS, default=DEFAULT_READBACK_HOURS): NumberSelector(
                    NumberSelectorConfig(
                        min=1, max=168, step=1, unit_of_measurement="h", mode=NumberSelectorMode.BOX
                    )
                ),
                vol.Required(CONF_REPAIR_AFTER, default=DEFAULT_REPAIR_AFTER): NumberSelector(
                    NumberSelectorConfig(
                        min=5,
                        max=1440,
                        step=1,
                        unit_of_measurement="min",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
            }
        )
        return self.async_show_form(
            step_id="directory",
            data_schema=self.add_suggested_values_to_schema(schema, self.config_entry.options),
        )
