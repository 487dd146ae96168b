"""What the Home Assistant side knows of one protocol family: a `FamilySpec`.

Everything family-specific outside `protocols/` is declared in the family's module next to this
one: how to build its terminal, how a person adds it, its extra options, the endpoints it calls
and what diagnostics must hide. The rest of the integration asks the registry
(`families/__init__.py`) and never branches on a family's name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import HomeAssistantView

from ..protocols.model import Authorizer, Family, Terminal, TerminalListener

if TYPE_CHECKING:
    from ..coordinator import AccessTerminalConfigEntry
    from ..push import PushRouter


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildContext:
    """What a family needs to build the terminal of one config entry."""

    hass: HomeAssistant
    serial: str
    data: Mapping[str, Any]
    options: Mapping[str, Any]
    # Where the terminal reports (records, state, users): the entry's coordinator.
    listener: TerminalListener
    # Decides online authorization requests (families whose terminals ask).
    authorizer: Authorizer
    command_timeout: float
    # Where the terminal's clock is when it does not say (Home Assistant's time zone).
    zone: tzinfo


@dataclass(frozen=True, slots=True, kw_only=True)
class PullConnection:
    """How Home Assistant reaches a terminal it calls: an address and a credential."""

    # The entry key of the credential the form asks for (password or API key).
    credential_key: str
    # Calls the terminal described by the entry data; returns its serial (errors: the library's).
    read_serial: Callable[[HomeAssistant, Mapping[str, Any]], Awaitable[str]]
    # Extra entry data made once, when the entry is created (e.g. an upload secret).
    new_entry_data: Callable[[], dict[str, Any]] = dict


@dataclass(frozen=True, slots=True, kw_only=True)
class FamilySpec:
    """One protocol family as the Home Assistant side sees it.

    A terminal either calls Home Assistant (`pull is None`: added by serial number, discovered
    when an unknown serial calls) or is called by it (`pull`: added by address and credential,
    never discovered). Config-flow step ids and their translations are the family's name.
    """

    family: Family
    # The protocol's own name, shown to people beside a serial number (a proper noun: it is
    # not translated), e.g. on a discovered terminal's card.
    title: str
    build: Callable[[BuildContext], Terminal]
    pull: PullConnection | None = None
    # The endpoints the family's terminals call on Home Assistant's server, registered once.
    views: tuple[Callable[[PushRouter], HomeAssistantView], ...] = ()
    # Anything else to set up once, in async_setup (e.g. sockets that need a hub of their own);
    # `config` is the integration's section of configuration.yaml.
    async_setup: (
        Callable[[HomeAssistant, PushRouter, Mapping[str, Any]], Awaitable[None]] | None
    ) = None
    # Per loaded entry, after its entities exist (e.g. a dedicated listener the options ask for).
    async_setup_entry: (
        Callable[[HomeAssistant, AccessTerminalConfigEntry], Awaitable[None]] | None
    ) = None
    # configuration.yaml keys the family reads under `access_terminal:` (voluptuous markers).
    yaml_schema: Mapping[Any, Any] = field(default_factory=dict)
    # Options the family adds to the common ones, and how to read them from the form.
    options_schema: Mapping[Any, Any] = field(default_factory=dict)
    parse_options: Callable[[Mapping[str, Any]], dict[str, Any]] = lambda _: {}
    # Keys of the family's own data (settings documents) that diagnostics must redact.
    redact: frozenset[str] = frozenset()
    # The device's model when the terminal does not say (its protocol has no such field).
    model: str | None = None
    # Where the terminal's own web pages are, from the entry data (None: nowhere we know).
    configuration_url: Callable[[Mapping[str, Any]], str | None] = lambda _: None

    @property
    def discoverable(self) -> bool:
        """Return True if the terminal calls in, so an unknown one can be offered."""
        return self.pull is None
