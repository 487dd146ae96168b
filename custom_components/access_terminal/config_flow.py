"""Config flow: add a terminal by hand or from discovery; reauth, reconfigure; options.

The families come from the registry (families/): each one is a menu option and a step of the
same name, asking for a serial number (terminals that call us) or for an address and a
credential (terminals we call, tried before the entry is saved).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Any, assert_never

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.core import callback
from homeassistant.helpers.network import NoURLAvailableError, get_url
import voluptuous as vol

from .const import (
    BRIDGE_KIND,
    CONF_BRIDGE,
    CONF_FAMILY,
    CONF_SERIAL,
    DOMAIN,
)
from .directory.const import CONF_DIRECTORY, DIRECTORY_UNIQUE_ID
from .directory.flow import SUBENTRY_FLOWS, DirectoryOptionsFlow
from .families import FAMILIES, FamilySpec, PullConnection, family_spec
from .families.pull import SECRET_SELECTOR, address_schema
from .kinds import EntryKind, kind_of
from .mqtt_bridge.const import BRIDGE_UNIQUE_ID
from .mqtt_bridge.flow import MqttBridgeOptionsFlow, async_bridge_step, default_options
from .protocols.codec import is_valid_serial
from .protocols.errors import AccessTerminalError, AuthError, UnreachableError
from .protocols.model import Family
from .terminal_options import AccessTerminalOptionsFlow, options_schema

SERIAL_SCHEMA = vol.Schema({vol.Required(CONF_SERIAL): str})


async def _async_try(
    flow: ConfigFlow, pull: PullConnection, data: Mapping[str, Any]
) -> tuple[str | None, str | None]:
    """Call the terminal: return (its serial, None) or (None, the form error)."""
    try:
        serial = await pull.read_serial(flow.hass, data)
    except AuthError:
        return None, "invalid_auth"
    except UnreachableError:
        return None, "cannot_connect"
    except AccessTerminalError:
        return None, "unexpected_answer"
    if not is_valid_serial(serial):
        return None, "unexpected_answer"
    return serial, None


def _title(serial: str) -> str:
    # The serial alone: it names the device uniquely and keeps entity ids short.
    return serial


def _entry_spec(entry: ConfigEntry[Any]) -> FamilySpec:
    return FAMILIES[Family(entry.data[CONF_FAMILY])]


class AccessTerminalConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add an access terminal."""

    VERSION = 1

    def __init__(self) -> None:
        """Start empty."""
        self._discovered: dict[str, Any] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow of a terminal or of the MQTT bridge."""
        match kind_of(config_entry):
            case EntryKind.TERMINAL:
                return AccessTerminalOptionsFlow()
            case EntryKind.MQTT_BRIDGE:
                return MqttBridgeOptionsFlow()
            case EntryKind.DIRECTORY:
                return DirectoryOptionsFlow()
            case unknown:
                assert_never(unknown)

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the directory's people and access levels (other entries have none)."""
        if kind_of(config_entry) is EntryKind.DIRECTORY:
            return SUBENTRY_FLOWS
        return {}

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Offer "Configure" only where there is something to configure."""
        match kind_of(config_entry):
            case EntryKind.TERMINAL:
                return bool(options_schema(config_entry).schema)
            case EntryKind.MQTT_BRIDGE | EntryKind.DIRECTORY:
                return True
            case unknown:
                assert_never(unknown)

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which kind of terminal to add, or to set up the MQTT bridge."""
        return self.async_show_menu(
            step_id="user",
            menu_options=[*(str(family) for family in FAMILIES), "mqtt_bridge", "directory"],
        )

    async def async_step_directory(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Create the access directory (once); people and levels are added to it afterwards."""
        await self.async_set_unique_id(DIRECTORY_UNIQUE_ID)
        self._abort_if_unique_id_configured(error="directory_already_configured")
        if user_input is not None:
            return self.async_create_entry(
                title="Access directory", data={CONF_DIRECTORY: True}, options={}
            )
        return self.async_show_form(step_id="directory")

    async def async_step_mqtt_bridge(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set up the MQTT bridge (once): the broker is tried before anything is saved."""
        await self.async_set_unique_id(BRIDGE_UNIQUE_ID)
        if BRIDGE_UNIQUE_ID in self._async_current_ids(include_ignore=False):
            return self.async_abort(reason="bridge_already_configured")
        return await async_bridge_step(
            self,
            "mqtt_bridge",
            user_input,
            suggested=await default_options(self.hass),
            save=lambda options: self.async_create_entry(
                title="MQTT bridge", data={CONF_BRIDGE: BRIDGE_KIND}, options=options
            ),
        )

    async def async_step_reconfigure_bridge(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the MQTT bridge from "Reconfigure": the same form as its options."""
        entry = self._get_reconfigure_entry()
        return await async_bridge_step(
            self,
            "reconfigure_bridge",
            user_input,
            suggested=entry.options,
            save=lambda options: self.async_update_reload_and_abort(
                entry, options=options, reason="bridge_updated"
            ),
        )

    def _server_url(self) -> str:
        try:
            return get_url(self.hass, allow_external=False, allow_cloud=False)
        except NoURLAvailableError:
            # Shown in a description: no angle brackets, the frontend reads them as a tag.
            return "http://[Home Assistant address]:8123"

    async def async_add_terminal(
        self, family: Family, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a terminal of `family` (each family's step, named after it, comes here)."""
        spec = FAMILIES[family]
        if spec.pull is not None:
            return await self._async_address_step(spec, spec.pull, user_input)
        return await self._async_serial_step(spec, user_input)

    async def _async_address_step(
        self, spec: FamilySpec, pull: PullConnection, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Ask where the terminal listens; create the entry once it answered."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {CONF_FAMILY: str(spec.family), **user_input}
            serial, error = await _async_try(self, pull, data)
            if serial is not None:
                await self.async_set_unique_id(serial)
                self._abort_if_unique_id_configured(updates=user_input)
                data = {**data, CONF_SERIAL: serial, **pull.new_entry_data()}
                return self.async_create_entry(title=_title(serial), data=data)
            errors["base"] = error or "unknown"
        return self.async_show_form(
            step_id=str(spec.family),
            data_schema=self.add_suggested_values_to_schema(
                address_schema(pull.credential_key), user_input
            ),
            errors=errors,
        )

    async def _async_serial_step(
        self, spec: FamilySpec, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            serial = user_input[CONF_SERIAL].strip()
            if is_valid_serial(serial):
                await self.async_set_unique_id(serial)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=_title(serial),
                    data={CONF_FAMILY: str(spec.family), CONF_SERIAL: serial},
                )
            errors[CONF_SERIAL] = "invalid_serial"
        return self.async_show_form(
            step_id=str(spec.family),
            data_schema=self.add_suggested_values_to_schema(SERIAL_SCHEMA, user_input),
            errors=errors,
            description_placeholders={"server_url": self._server_url()},
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start over when the terminal refused its password or API key."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new password or API key and check it."""
        entry = self._get_reauth_entry()
        pull = _entry_spec(entry).pull
        if pull is None:  # only terminals we call log in
            return self.async_abort(reason="not_supported")
        key = pull.credential_key
        errors: dict[str, str] = {}
        if user_input is not None:
            serial, error = await _async_try(self, pull, {**entry.data, key: user_input[key]})
            if serial is not None:
                await self.async_set_unique_id(serial)
                self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(
                    entry, data_updates={key: user_input[key]}
                )
            errors["base"] = error or "unknown"
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(key): SECRET_SELECTOR}),
            errors=errors,
            description_placeholders={"serial": entry.data[CONF_SERIAL]},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Correct a terminal's serial number or address, or change the MQTT bridge."""
        entry = self._get_reconfigure_entry()
        match kind_of(entry):
            case EntryKind.MQTT_BRIDGE:
                return await self.async_step_reconfigure_bridge()
            case EntryKind.TERMINAL:
                if _entry_spec(entry).pull is not None:
                    return await self.async_step_reconfigure_pull()
                return await self.async_step_reconfigure_serial(user_input)
            case EntryKind.DIRECTORY:
                # People and levels are changed one by one; the options say the rest.
                return self.async_abort(reason="directory_reconfigure")
            case unknown:
                assert_never(unknown)

    async def async_step_reconfigure_pull(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change where a terminal we call listens, or how we log in."""
        entry = self._get_reconfigure_entry()
        pull = _entry_spec(entry).pull
        assert pull is not None  # noqa: S101 - async_step_reconfigure chose this step for it
        errors: dict[str, str] = {}
        if user_input is not None:
            serial, error = await _async_try(self, pull, {**entry.data, **user_input})
            if serial is not None:
                await self.async_set_unique_id(serial)
                self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(entry, data_updates=user_input)
            errors["base"] = error or "unknown"
        return self.async_show_form(
            step_id="reconfigure_pull",
            data_schema=self.add_suggested_values_to_schema(
                address_schema(pull.credential_key), user_input or dict(entry.data)
            ),
            errors=errors,
            description_placeholders={"serial": entry.data[CONF_SERIAL]},
        )

    async def async_step_reconfigure_serial(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Correct the serial number of a terminal that calls us (a typo, or a replaced unit)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            serial = user_input[CONF_SERIAL].strip()
            if not is_valid_serial(serial):
                errors[CONF_SERIAL] = "invalid_serial"
            else:
                await self.async_set_unique_id(serial)
                if serial != entry.unique_id:
                    self._abort_if_unique_id_configured()
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=serial,
                    title=_title(serial),
                    data_updates={CONF_SERIAL: serial},
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                SERIAL_SCHEMA, user_input or {CONF_SERIAL: entry.data[CONF_SERIAL]}
            ),
            errors=errors,
            description_placeholders={"server_url": self._server_url()},
        )

    async def async_step_integration_discovery(
        self, discovery_info: dict[str, Any]
    ) -> ConfigFlowResult:
        """Offer a terminal nobody added that called in."""
        serial = str(discovery_info.get(CONF_SERIAL, ""))
        spec = family_spec(discovery_info.get(CONF_FAMILY))
        # Terminals we call are added by address: they never call in to be discovered.
        if spec is None or not spec.discoverable or not is_valid_serial(serial):
            return self.async_abort(reason="not_supported")
        await self.async_set_unique_id(serial)
        self._abort_if_unique_id_configured()
        self._discovered = {
            CONF_FAMILY: str(spec.family),
            CONF_SERIAL: serial,
            "host": discovery_info.get("host") or "?",
        }
        # The discovered card: "CGXH201360001 (ZKTeco PUSH)". Only `name`: Home Assistant
        # fills it alone for the reauth and reconfigure flows (flow_title is shared).
        self.context["title_placeholders"] = {"name": f"{_title(serial)} ({spec.title})"}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user accept the discovered terminal."""
        serial = self._discovered[CONF_SERIAL]
        if user_input is not None:
            return self.async_create_entry(
                title=_title(serial),
                data={CONF_FAMILY: self._discovered[CONF_FAMILY], CONF_SERIAL: serial},
            )
        self._set_confirm_only()
        return self.async_show_form(
            step_id="discovery_confirm",
            description_placeholders={
                "serial": serial,
                "host": self._discovered["host"],
                "family": FAMILIES[Family(self._discovered[CONF_FAMILY])].title,
            },
        )


type _Step = Callable[
    [AccessTerminalConfigFlow, dict[str, Any] | None], Coroutine[Any, Any, ConfigFlowResult]
]


def _family_step(family: Family) -> _Step:
    async def step(
        flow: AccessTerminalConfigFlow, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        return await flow.async_add_terminal(family, user_input)

    step.__doc__ = f"Add a {family} terminal (the menu option of the same name)."
    return step


# Home Assistant finds a step by its method name: every registered family gets one.
for _family in FAMILIES:
    setattr(AccessTerminalConfigFlow, f"async_step_{_family}", _family_step(_family))
