"""Files sent to terminals (photos, firmware): read from allowed folders, or downloaded.

Only <config>/access_terminal/ and the folders Home Assistant allows (allowlist_external_dirs,
www and media by default) qualify: never secrets.yaml, .storage or other configuration. Every
refusal is a translated ServiceValidationError; a failed download a HomeAssistantError.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
import re
from typing import Final

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import DOMAIN

FILES_FOLDER: Final = "access_terminal"
DOWNLOAD_TIMEOUT: Final = 300.0
_CHUNK = 64 * 1024


def validation_error(key: str, **placeholders: str) -> ServiceValidationError:
    """Return the translated error of input a person got wrong."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def files_folder(hass: HomeAssistant) -> Path:
    """Return <config>/access_terminal, the integration's own folder of files (not resolved)."""
    return Path(hass.config.config_dir) / FILES_FOLDER


# A file name holds no control character (a NUL once reached the file system as a ValueError).
_FILE_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,4096}")


def allowed_path(hass: HomeAssistant, name: str) -> Path | None:
    """Resolve a file name (relative to the configuration folder) that may be sent to devices.

    None for a file outside the allowed folders. Resolving reads the file system (links): call
    it in an executor.
    """
    config_dir = Path(hass.config.config_dir).resolve()
    path = (config_dir / name).resolve()
    if path.is_relative_to(config_dir / FILES_FOLDER) or hass.config.is_allowed_path(str(path)):
        return path
    return None


async def async_read_file(hass: HomeAssistant, name: str, limit: int) -> bytes:
    """Read an allowed file of at most `limit` bytes (off the event loop)."""
    if not _FILE_NAME.fullmatch(name):
        raise validation_error("file_name_invalid", path=name.encode("unicode_escape").decode())

    def read() -> bytes | None:
        if (path := allowed_path(hass, name)) is None:
            return None
        with path.open("rb") as file:
            return file.read(limit + 1)

    try:
        data = await hass.async_add_executor_job(read)
    except OSError as err:
        raise validation_error(
            "file_unreadable", path=name, error=err.strerror or str(err)
        ) from err
    if data is None:
        raise validation_error("file_not_allowed", path=name)
    if len(data) > limit:
        raise validation_error("file_too_large", path=name, limit=str(limit))
    return data


async def async_download(hass: HomeAssistant, url: str, limit: int) -> bytes:
    """Download at most `limit` bytes from `url`."""
    session = async_get_clientsession(hass)

    def failed(error: str) -> HomeAssistantError:
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="download_failed",
            translation_placeholders={"url": url, "error": error},
        )

    try:
        timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT)
        async with session.get(url, timeout=timeout) as response:
            if response.status != 200:
                raise failed(f"HTTP {response.status}")
            data = bytearray()
            async for chunk in response.content.iter_chunked(_CHUNK):
                data += chunk
                if len(data) > limit:
                    raise validation_error("file_too_large", path=url, limit=str(limit))
            return bytes(data)
    except (aiohttp.ClientError, TimeoutError) as err:
        raise failed(str(err) or type(err).__name__) from err


def md5_hex(data: bytes) -> str:
    """Return the lower-case hex MD5 of `data` (the checksum terminals verify)."""
    return hashlib.md5(data).hexdigest()  # noqa: S324 - the checksum the devices verify
