"""The options of a terminal's entry: only those that mean something for that terminal.

Every terminal has the catch-up window (how late a record may be and still count as live).
Terminals that call Home Assistant also have an offline window, a command timeout (a command
waits for their next call) and an answer to online authorization requests; terminals Home
Assistant calls have none of these. Every family may add options of its own
(`FamilySpec.options_schema`), and a terminal that takes firmware may name an image by URL (see
update.py).
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.helpers import config_validation as cv
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
    CONF_CATCH_UP_AFTER,
    CONF_COMMAND_TIMEOUT,
    CONF_FAMILY,
    CONF_FIRMWARE_URL,
    CONF_FIRMWARE_VERSION,
    CONF_OFFLINE_WINDOW,
    CONF_ONLINE_AUTHORIZATION,
    DEFAULT_CATCH_UP_AFTER,
    DEFAULT_COMMAND_TIMEOUT,
    DEFAULT_OFFLINE_WINDOW,
)
from .families import FAMILIES, FamilySpec
from .kinds import as_terminal_entry
from .protocols.model import Family, Operation

# What every terminal has: seconds between a record's own time and now beyond which it is
# catch-up (0: off).
RECORD_OPTIONS = vol.Schema(
    {
        vol.Required(CONF_CATCH_UP_AFTER, default=DEFAULT_CATCH_UP_AFTER): NumberSelector(
            NumberSelectorConfig(
                min=0, max=86400, step=1, unit_of_measurement="s", mode=NumberSelectorMode.BOX
            )
        ),
    }
)
# What every terminal that calls Home Assistant has.
CALLING_OPTIONS = vol.Schema(
    {
        vol.Required(CONF_OFFLINE_WINDOW, default=DEFAULT_OFFLINE_WINDOW): NumberSelector(
            NumberSelectorConfig(
                min=30, max=3600, step=1, unit_of_measurement="s", mode=NumberSelectorMode.BOX
            )
        ),
        vol.Required(CONF_COMMAND_TIMEOUT, default=DEFAULT_COMMAND_TIMEOUT): NumberSelector(
            NumberSelectorConfig(
                min=10, max=600, step=1, unit_of_measurement="s", mode=NumberSelectorMode.BOX
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
FIRMWARE_OPTIONS = vol.Schema(
    {
        vol.Optional(CONF_FIRMWARE_URL): TextSelector(
            TextSelectorConfig(type=TextSelectorType.URL)
        ),
        vol.Optional(CONF_FIRMWARE_VERSION): TextSelector(),
    }
)


def _spec(entry: ConfigEntry[Any]) -> FamilySpec:
    return FAMILIES[Family(entry.data[CONF_FAMILY])]


def takes_firmware(entry: ConfigEntry[Any]) -> bool:
    """Return True if the entry's terminal is loaded and can take a firmware image."""
    terminal = as_terminal_entry(entry)
    return (
        terminal is not None
        and terminal.state is ConfigEntryState.LOADED
        and terminal.runtime_data.coordinator.data.supports(Operation.PUSH_FIRMWARE)
    )


def options_schema(entry: ConfigEntry[Any]) -> vol.Schema:
    """Return the options form of a terminal's entry."""
    spec = _spec(entry)
    schema = RECORD_OPTIONS
    if spec.discoverable:  # it calls us
        schema = schema.extend(CALLING_OPTIONS.schema)
    schema = schema.extend(dict(spec.options_schema))
    if takes_firmware(entry):
        schema = schema.extend(FIRMWARE_OPTIONS.schema)
    return schema


def _parse(entry: ConfigEntry[Any], user_input: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Return the options the form means, or the key of what is wrong with it."""
    options: dict[str, Any] = {}
    for key in (CONF_CATCH_UP_AFTER, CONF_OFFLINE_WINDOW, CONF_COMMAND_TIMEOUT):
        if key in user_input:
            options[key] = int(user_input[key])
    if CONF_ONLINE_AUTHORIZATION in user_input:
        options[CONF_ONLINE_AUTHORIZATION] = user_input[CONF_ONLINE_AUTHORIZATION]
    options.update(_spec(entry).parse_options(user_input))
    url = str(user_input.get(CONF_FIRMWARE_URL) or "").strip()
    version = str(user_input.get(CONF_FIRMWARE_VERSION) or "").strip()
    if url:
        try:
            cv.url(url)
        except vol.Invalid:
            return options, "invalid_url"
        if not version:
            return options, "firmware_version_required"
        options[CONF_FIRMWARE_URL] = url
        options[CONF_FIRMWARE_VERSION] = version
    elif version:
        return options, "firmware_url_required"
    return options, ""


class AccessTerminalOptionsFlow(OptionsFlow):
    """Tune what the terminal's entry lets people tune (see the module's docstring)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options of this terminal; refuse a firmware URL that cannot be used."""
        errors: dict[str, str] = {}
        if user_input is not None:
            options, error = _parse(self.config_entry, user_input)
            if not error:
                return self.async_create_entry(data=options)
            errors["base"] = error
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                options_schema(self.config_entry), user_input or self.config_entry.options
            ),
            errors=errors,
        )
