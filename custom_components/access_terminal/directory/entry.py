"""Set up, unload and remove the access directory's config entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant

from ..const import DOMAIN
from .const import (
    CONF_READBACK_HOURS,
    CONF_REPAIR_AFTER,
    DATA_DIRECTORY,
    DEFAULT_READBACK_HOURS,
    DEFAULT_REPAIR_AFTER,
    DIRECTORY_UNIQUE_ID,
)
from .directory import Directory
from .reconcile import Reconciler
from .store import DirectoryStore


@dataclass(kw_only=True, slots=True)
class DirectoryRuntimeData:
    """What the loaded directory entry holds."""

    directory: Directory
    reconciler: Reconciler
    # The options the entry was set up with (an update with others reloads it).
    options: dict[str, Any]


type DirectoryConfigEntry = ConfigEntry[DirectoryRuntimeData]


def loaded_directory(hass: HomeAssistant) -> DirectoryConfigEntry | None:
    """Return the directory's entry if it is loaded."""
    entry = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, DIRECTORY_UNIQUE_ID)
    if entry is None or entry.state is not ConfigEntryState.LOADED:
        return None
    return cast("DirectoryConfigEntry", entry)


async def async_setup_directory(hass: HomeAssistant, entry: DirectoryConfigEntry) -> bool:
    """Load the directory, follow what its levels name, and bring every terminal to it."""
    store = DirectoryStore(hass)
    directory = Directory(hass, entry, store)
    photos = {pid for pid, person in directory.contents.people.items() if person.photo}
    await store.async_load(photos)
    await directory.sources.async_follow(directory.followed())
    options = entry.options
    reconciler = Reconciler(
        hass,
        directory,
        readback=timedelta(hours=options.get(CONF_READBACK_HOURS, DEFAULT_READBACK_HOURS)),
        repair=timedelta(minutes=options.get(CONF_REPAIR_AFTER, DEFAULT_REPAIR_AFTER)),
    )
    entry.runtime_data = DirectoryRuntimeData(
        directory=directory, reconciler=reconciler, options=dict(options)
    )
    hass.data[DATA_DIRECTORY] = directory
    reconciler.async_start()
    entry.async_on_unload(entry.add_update_listener(_async_updated))
    return True


async def _async_updated(hass: HomeAssistant, entry: DirectoryConfigEntry) -> None:
    """Options changed: reload; people or levels changed: every terminal converges."""
    runtime = entry.runtime_data
    if dict(entry.options) != runtime.options:
        await hass.config_entries.async_reload(entry.entry_id)
        return
    if await runtime.directory.async_reload():
        runtime.reconciler.request_all()


async def async_unload_directory(hass: HomeAssistant, entry: DirectoryConfigEntry) -> bool:
    """Stop following the terminals; what they hold stays (they enforce it themselves)."""
    entry.runtime_data.reconciler.async_stop()
    hass.data.pop(DATA_DIRECTORY, None)
    await entry.runtime_data.directory.store.async_flush()
    return True


async def async_remove_directory(hass: HomeAssistant, entry: DirectoryConfigEntry) -> None:
    """Forget the directory's saved state and photos (the terminals keep what they hold)."""
    await DirectoryStore(hass).async_remove()


def directory_diagnostics(entry: DirectoryConfigEntry) -> dict[str, Any]:
    """Return the directory's size and each terminal's sync state (no PIN, photo, template)."""
    if entry.state is not ConfigEntryState.LOADED:
        return {"loaded": False}
    runtime = entry.runtime_data
    contents = runtime.directory.contents
    return {
        "loaded": True,
        "options": dict(entry.options),
        "people": sum(not person.is_pass for person in contents.people.values()),
        "passes": sum(person.is_pass for person in contents.people.values()),
        "access_levels": len(contents.levels),
        "followed": sorted(runtime.directory.followed()),
        "unreadable": runtime.directory.sources.missing(),
        "terminals": runtime.reconciler.statuses(),
    }
