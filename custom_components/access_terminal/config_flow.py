"""Config flow: add a terminal by hand or from discovery; reconfigure; options."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
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
    DEFAULT_COMMAND_TIMEOUT,
    DEFAULT_OFFLINE_WINDOW,
    DOMAIN,
    SUPPORTED_FAMILIES,
)
from .protocols.cloud_ws import ModeTable
from .protocols.codec import is_valid_serial
from .protocols.model import Family

SERIAL_SCHEMA = vol.Schema({vol.Required(CONF_SERIAL): str})


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
    def async_get_options_flow(config_entry: ConfigEntry) -> AccessTerminalOptionsFlow:
        """Return the options flow."""
        return AccessTerminalOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which kind of terminal to add."""
        return self.async_show_menu(
            step_id="user", menu_options=[str(family) for family in SUPPORTED_FAMILIES]
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
        if family not in SUPPORTED_FAMILIES or not is_valid_serial(serial):
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
