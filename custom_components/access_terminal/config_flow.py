"""Config flow: add a terminal by hand or from discovery; reconfigure; options."""

from __future__ import annotations

from collections.abc import Mapping
import secrets
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import (
    CONF_API_KEY,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_VERIFY_SSL,
)
from homeassistant.core import callback
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .const import (
    AUTH_DENY,
    AUTH_DEVICE,
    CONF_COMMAND_TIMEOUT,
    CONF_FAMILY,
    CONF_LISTEN_PORT,
    CONF_MODE_TABLE,
    CONF_OFFLINE_WINDOW,
    CONF_ONLINE_AUTHORIZATION,
    CONF_SERIAL,
    CONF_UPLOAD_SECRET,
    DEFAULT_COMMAND_TIMEOUT,
    DEFAULT_OFFLINE_WINDOW,
    DEFAULT_PULL_PORT,
    DOMAIN,
    PULL_FAMILIES,
    SUPPORTED_FAMILIES,
)
from .mqtt_bridge import BRIDGE_KIND, is_bridge_entry
from .mqtt_bridge.const import BRIDGE_UNIQUE_ID, CONF_BRIDGE
from .mqtt_bridge.flow import async_bridge_step, default_options
from .protocols.cloud_ws import ModeTable
from .protocols.codec import is_valid_serial
from .protocols.errors import AccessTerminalError, AuthError, UnreachableError
from .protocols.model import Family
from .pull import async_read_serial

SERIAL_SCHEMA = vol.Schema({vol.Required(CONF_SERIAL): str})
SECRET_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def credential_key(family: Family | str) -> str:
    """Return the entry key of a pull family's credential (password or API key)."""
    return CONF_PASSWORD if family == Family.WEBJSON else CONF_API_KEY


def pull_schema(family: Family | str) -> vol.Schema:
    """Return the form asking where a pull terminal listens and how to log in."""
    return vol.Schema(
        {
            vol.Required(CONF_HOST): str,
            vol.Required(CONF_PORT, default=DEFAULT_PULL_PORT): vol.All(
                vol.Coerce(int), vol.Range(min=1, max=65535)
            ),
            vol.Required(credential_key(family)): SECRET_SELECTOR,
            vol.Required(CONF_SSL, default=False): bool,
            vol.Required(CONF_VERIFY_SSL, default=True): bool,
        }
    )


async def _async_try(flow: ConfigFlow, data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Call the terminal: return (its serial, None) or (None, the form error)."""
    try:
        serial = await async_read_serial(flow.hass, data)
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
        if is_bridge_entry(config_entry):
            return MqttBridgeOptionsFlow()
        return AccessTerminalOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which kind of terminal to add, or to set up the MQTT bridge."""
        return self.async_show_menu(
            step_id="user",
            menu_options=[*(str(family) for family in SUPPORTED_FAMILIES), "mqtt_bridge"],
        )

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
            return "http://<Home Assistant address>:8123"

    async def async_step_httpv2(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add an HTTPv2 terminal by its serial number."""
        return await self._async_serial_step(Family.HTTPV2, user_input)

    async def async_step_zk_push(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a ZKTeco PUSH terminal by its serial number."""
        return await self._async_serial_step(Family.ZK_PUSH, user_input)

    async def async_step_webjson(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a Webserver + JSON terminal by its address and password."""
        return await self._async_pull_step(Family.WEBJSON, user_input)

    async def async_step_control_api(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a terminal with the device control interface by its address and API key."""
        return await self._async_pull_step(Family.CONTROL_API, user_input)

    async def _async_pull_step(
        self, family: Family, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Ask where the terminal listens; create the entry once it answered."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {CONF_FAMILY: str(family), **user_input}
            serial, error = await _async_try(self, data)
            if serial is not None:
                await self.async_set_unique_id(serial)
                self._abort_if_unique_id_configured(updates=user_input)
                data[CONF_SERIAL] = serial
                if family is Family.CONTROL_API:
                    data[CONF_UPLOAD_SECRET] = secrets.token_urlsafe(32)
                return self.async_create_entry(title=_title(serial), data=data)
            errors["base"] = error or "unknown"
        return self.async_show_form(
            step_id=str(family),
            data_schema=self.add_suggested_values_to_schema(pull_schema(family), user_input),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start over when the terminal refused its password or API key."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new password or API key and check it."""
        entry = self._get_reauth_entry()
        key = credential_key(entry.data[CONF_FAMILY])
        errors: dict[str, str] = {}
        if user_input is not None:
            serial, error = await _async_try(self, {**entry.data, key: user_input[key]})
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

    async def async_step_reconfigure_pull(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change where a terminal we call listens, or how we log in."""
        entry = self._get_reconfigure_entry()
        family = entry.data[CONF_FAMILY]
        errors: dict[str, str] = {}
        if user_input is not None:
            serial, error = await _async_try(self, {**entry.data, **user_input})
            if serial is not None:
                await self.async_set_unique_id(serial)
                self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(entry, data_updates=user_input)
            errors["base"] = error or "unknown"
        return self.async_show_form(
            step_id="reconfigure_pull",
            data_schema=self.add_suggested_values_to_schema(
                pull_schema(family), user_input or dict(entry.data)
            ),
            errors=errors,
            description_placeholders={"serial": entry.data[CONF_SERIAL]},
        )

    async def async_step_cloud_ws(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a cloud WebSocket terminal (AiFace / TFS) by its serial number."""
        return await self._async_serial_step(Family.CLOUD_WS, user_input)

    async def _async_serial_step(
        self, family: Family, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            serial = user_input[CONF_SERIAL].strip()
            if is_valid_serial(serial):
                await self.async_set_unique_id(serial)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=_title(serial),
                    data={CONF_FAMILY: str(family), CONF_SERIAL: serial},
                )
            errors[CONF_SERIAL] = "invalid_serial"
        return self.async_show_form(
            step_id=str(family),
            data_schema=self.add_suggested_values_to_schema(SERIAL_SCHEMA, user_input),
            errors=errors,
            description_placeholders={"server_url": self._server_url()},
        )

    async def async_step_integration_discovery(
        self, discovery_info: dict[str, Any]
    ) -> ConfigFlowResult:
        """Offer a terminal nobody added that called in."""
        serial = str(discovery_info.get(CONF_SERIAL, ""))
        family = discovery_info.get(CONF_FAMILY)
        # Terminals we call are added by address: they never call in to be discovered.
        pushes = family in SUPPORTED_FAMILIES and family not in PULL_FAMILIES
        if not pushes or not is_valid_serial(serial):
            return self.async_abort(reason="not_supported")
        await self.async_set_unique_id(serial)
        self._abort_if_unique_id_configured()
        self._discovered = {
            CONF_FAMILY: family,
            CONF_SERIAL: serial,
            "host": discovery_info.get("host") or "?",
        }
        self.context["title_placeholders"] = {"name": _title(serial)}
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
                "family": self._discovered[CONF_FAMILY],
            },
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Correct the serial number of a terminal (a typo, or a replaced unit)."""
        entry = self._get_reconfigure_entry()
        if is_bridge_entry(entry):
            return await self.async_step_reconfigure_bridge()
        if entry.data[CONF_FAMILY] in PULL_FAMILIES:
            return await self.async_step_reconfigure_pull()
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


class AccessTerminalOptionsFlow(OptionsFlow):
    """Tune offline detection, command timeouts and online authorization."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options (cloud terminals also have their listener and mode table)."""
        cloud = self.config_entry.data.get(CONF_FAMILY) == Family.CLOUD_WS
        if user_input is not None:
            options = {
                CONF_OFFLINE_WINDOW: int(user_input[CONF_OFFLINE_WINDOW]),
                CONF_COMMAND_TIMEOUT: int(user_input[CONF_COMMAND_TIMEOUT]),
                CONF_ONLINE_AUTHORIZATION: user_input[CONF_ONLINE_AUTHORIZATION],
            }
            if cloud:
                options[CONF_LISTEN_PORT] = int(user_input[CONF_LISTEN_PORT])
                options[CONF_MODE_TABLE] = user_input[CONF_MODE_TABLE]
            return self.async_create_entry(data=options)
        schema = vol.Schema(
            {
                vol.Required(CONF_OFFLINE_WINDOW, default=DEFAULT_OFFLINE_WINDOW): NumberSelector(
                    NumberSelectorConfig(
                        min=30,
                        max=3600,
                        step=1,
                        unit_of_measurement="s",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
                vol.Required(CONF_COMMAND_TIMEOUT, default=DEFAULT_COMMAND_TIMEOUT): NumberSelector(
                    NumberSelectorConfig(
                        min=10,
                        max=600,
                        step=1,
                        unit_of_measurement="s",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
                vol.Required(CONF_ONLINE_AUTHORIZATION, default=AUTH_DEVICE): SelectSelector(
                    SelectSelectorConfig(
                        options=[AUTH_DEVICE, AUTH_DENY],
                        translation_key=CONF_ONLINE_AUTHORIZATION,
                        mode=SelectSelectorMode.LIST,
                    )
                ),
            }
        )
        if cloud:
            schema = schema.extend(_CLOUD_OPTIONS)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, self.config_entry.options),
        )


class MqttBridgeOptionsFlow(OptionsFlow):
    """Change the broker and what the bridge publishes; the broker is tried before saving."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Go to the bridge's settings."""
        return await self.async_step_bridge()

    async def async_step_bridge(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the bridge's settings."""
        return await async_bridge_step(
            self,
            "bridge",
            user_input,
            suggested=self.config_entry.options,
            save=lambda options: self.async_create_entry(data=options),
        )


# A dedicated listener port (0: none, Home Assistant's own port serves the terminal) and the
# `mode` table of the terminal's records (specs/002_c663bad8f76a6161.txt gives two).
_CLOUD_OPTIONS = {
    vol.Required(CONF_LISTEN_PORT, default=0): NumberSelector(
        NumberSelectorConfig(min=0, max=65535, step=1, mode=NumberSelectorMode.BOX)
    ),
    vol.Required(CONF_MODE_TABLE, default=str(ModeTable.VERIFY)): SelectSelector(
        SelectSelectorConfig(
            options=[str(table) for table in ModeTable],
            translation_key=CONF_MODE_TABLE,
            mode=SelectSelectorMode.LIST,
        )
    ),
}
