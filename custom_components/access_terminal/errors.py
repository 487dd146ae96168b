"""Library errors turned into Home Assistant errors, in one place.

Commands (`terminal_errors`) become `ServiceValidationError` for what the person asked wrongly and
`HomeAssistantError` for what the terminal did; polls (`poll_errors`) become
`ConfigEntryAuthFailed` (a refused password starts re-authentication) or `UpdateFailed`.
Every error carries a translation key of `translations/*.json` ("exceptions").
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import contextlib

from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers.update_coordinator import UpdateFailed

from .const import DOMAIN
from .protocols.errors import (
    AccessTerminalError,
    AuthError,
    CommandTimeoutError,
    DeviceError,
    InvalidRequestError,
    NotSupportedError,
    UnconfirmedError,
    UserWriteError,
)


def _error(
    kind: type[HomeAssistantError], key: str, serial: str, **placeholders: str
) -> HomeAssistantError:
    return kind(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"serial": serial, **placeholders},
    )


@contextlib.asynccontextmanager
async def terminal_errors(serial: str, online: Callable[[], bool]) -> AsyncIterator[None]:
    """Raise the Home Assistant error of a failed terminal operation.

    `online` (asked when the operation failed) chooses the wording of a timeout: a terminal we
    have not heard from is probably switched off, which the person should be told.
    """
    try:
        yield
    except NotSupportedError as err:
        raise _error(
            ServiceValidationError, "not_supported", serial, operation=err.operation
        ) from err
    except InvalidRequestError as err:
        raise _error(ServiceValidationError, "invalid_request", serial, error=str(err)) from err
    except CommandTimeoutError as err:
        key = "timeout_queued" if err.still_queued else "timeout"
        if not online():
            key += "_offline"
        raise _error(HomeAssistantError, key, serial, what=err.what) from err
    except UnconfirmedError as err:
        raise _error(
            HomeAssistantError, "users_unconfirmed", serial, count=str(len(err.user_ids))
        ) from err
    except UserWriteError as err:
        raise _error(HomeAssistantError, "users_not_written", serial, error=str(err)) from err
    except DeviceError as err:
        raise _error(
            HomeAssistantError, "device_error", serial, code=str(err.code), reason=err.reason
        ) from err
    except AccessTerminalError as err:
        raise _error(HomeAssistantError, "command_failed", serial, error=str(err)) from err


@contextlib.asynccontextmanager
async def poll_errors(serial: str) -> AsyncIterator[None]:
    """Raise what a failed poll means to the coordinator: re-authenticate, or retry later."""
    try:
        yield
    except AuthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="auth_failed",
            translation_placeholders={"serial": serial},
        ) from err
    except AccessTerminalError as err:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="poll_failed",
            translation_placeholders={"serial": serial, "error": str(err)},
        ) from err
