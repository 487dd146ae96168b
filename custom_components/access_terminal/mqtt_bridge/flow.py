"""The bridge's form (in the config flow and the options flow) and its connection test."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers import instance_id
from homeassistant.helpers.selector import (
    BooleanSelector,
    DeviceSelector,
    DeviceSelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from ..const import DOMAIN
from .bridge import broker_settings
from .connection import BrokerAuthError, BrokerError, BrokerTlsError, MqttConnection
from .const import (
    CONF_BASE_TOPIC,
    CONF_CA_CERTS,
    CONF_CLIENT_ID,
    CONF_COMMAND_DEVICES,
    CONF_COMMANDS,
    CONF_DISCOVERY,
    CONF_DISCOVERY_PREFIX,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PHOTOS,
    CONF_PORT,
    CONF_TLS,
    CONF_USERNAME,
    DEFAULT_BASE_TOPIC,
    DEFAULT_DISCOVERY_PREFIX,
    DEFAULT_PORT,
)
from .topics import valid_base_topic

_TEXT = TextSelector()
_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_FLAG = BooleanSelector()


async def default_options(hass: HomeAssistant) -> dict[str, Any]:
    """Return what the form suggests before anything was saved."""
    return {
        CONF_PORT: DEFAULT_PORT,
        CONF_CLIENT_ID: f"access_terminal-{(await instance_id.async_get(hass))[:12]}",
        CONF_BASE_TOPIC: DEFAULT_BASE_TOPIC,
        CONF_DISCOVERY_PREFIX: DEFAULT_DISCOVERY_PREFIX,
    }


def bridge_schema() -> vol.Schema:
    """Return the bridge's form: the broker first, then what to publish and obey."""
    return vol.Schema(
        {
            vol.Required(CONF_HOST): _TEXT,
            vol.Required(CONF_PORT, default=DEFAULT_PORT): NumberSelector(
                NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
            ),
            vol.Optional(CONF_USERNAME): _TEXT,
            vol.Optional(CONF_PASSWORD): _PASSWORD,
            vol.Required(CONF_TLS, default=False): _FLAG,
            vol.Optional(CONF_CA_CERTS): _TEXT,
            vol.Required(CONF_CLIENT_ID): _TEXT,
            vol.Required(CONF_BASE_TOPIC, default=DEFAULT_BASE_TOPIC): _TEXT,
            vol.Required(CONF_DISCOVERY, default=False): _FLAG,
            vol.Required(CONF_DISCOVERY_PREFIX, default=DEFAULT_DISCOVERY_PREFIX): _TEXT,
            vol.Required(CONF_PHOTOS, default=False): _FLAG,
            vol.Required(CONF_COMMANDS, default=False): _FLAG,
            vol.Optional(CONF_COMMAND_DEVICES, default=[]): DeviceSelector(
                DeviceSelectorConfig(integration=DOMAIN, multiple=True)
            ),
        }
    )


def clean_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return the options to save: whole numbers, trimmed text, no empty optional fields."""
    options = {
        key: value.strip() if isinstance(value, str) else value for key, value in user_input.items()
    }
    options[CONF_PORT] = int(options[CONF_PORT])
    options[CONF_BASE_TOPIC] = options[CONF_BASE_TOPIC].strip("/")
    options[CONF_DISCOVERY_PREFIX] = options[CONF_DISCOVERY_PREFIX].strip("/")
    return {key: value for key, value in options.items() if value not in ("", None)}


async def async_validate(
    hass: HomeAssistant, options: Mapping[str, Any]
) -> tuple[dict[str, str], str]:
    """Check the form and connect to the broker once; return the errors by field and why."""
    errors: dict[str, str] = {}
    for key in (CONF_BASE_TOPIC, CONF_DISCOVERY_PREFIX):
        if not valid_base_topic(options.get(key, "")):
            errors[key] = "invalid_topic"
    if options.get(CONF_COMMANDS) and not options.get(CONF_COMMAND_DEVICES):
        errors[CONF_COMMAND_DEVICES] = "no_command_devices"
    settings = broker_settings(hass, options)
    if settings.ca_certs is not None and not settings.tls:
        errors[CONF_CA_CERTS] = "ca_without_tls"
    elif settings.ca_certs is not None and not await hass.async_add_executor_job(
        Path(settings.ca_certs).is_file
    ):
        errors[CONF_CA_CERTS] = "ca_not_found"
    if errors:
        return errors, ""
    connection = MqttConnection(settings)
    try:
        await connection.connect_once()
    except BrokerAuthError as err:
        return {"base": "broker_auth"}, str(err)
    except BrokerTlsError as err:
        return {"base": "broker_tls"}, str(err)
    except BrokerError as err:
        return {"base": "broker_unreachable"}, str(err)
    finally:
        await connection.stop()
    return {}, ""


async def async_bridge_step(
    flow: ConfigFlow | OptionsFlow,
    step_id: str,
    user_input: dict[str, Any] | None,
    *,
    suggested: Mapping[str, Any],
    save: Callable[[dict[str, Any]], ConfigFlowResult],
) -> ConfigFlowResult:
    """Show the bridge's form; save what the broker accepted (config and options flows)."""
    errors: dict[str, str] = {}
    detail = ""
    if user_input is not None:
        options = clean_options(user_input)
        errors, detail = await async_validate(flow.hass, options)
        if not errors:
            return save(options)
    return flow.async_show_form(
        step_id=step_id,
        data_schema=flow.add_suggested_values_to_schema(bridge_schema(), user_input or suggested),
        errors=errors,
        description_placeholders={"error": detail},
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
