"""Firmware images served to terminals through single-use, unguessable URLs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
import hmac
import secrets
import time

FIRMWARE_PATH = "/api/access_terminal/firmware"


@dataclass(slots=True)
class _Offer:
    data: bytes = field(repr=False)
    expires: float
    downloaded: asyncio.Future[bool]
    # Told the share of the image sent so far (a terminal may fetch it in pieces).
    progress: Callable[[float], None] | None = None


class FirmwareServer:
    """Keeps images until their device has downloaded them once (or they expire)."""

    def __init__(self) -> None:
        """Start with nothing offered."""
        self._offers: dict[str, _Offer] = {}

    def publish(
        self, data: bytes, ttl: float, progress: Callable[[float], None] | None = None
    ) -> tuple[str, asyncio.Future[bool]]:
        """Offer `data`; return the secret token and a future of its download.

        The future is True once the image was downloaded, False if withdrawn or expired first;
        `progress` hears the share of the image sent as the terminal fetches it.
        """
        self._expire()
        token = secrets.token_urlsafe(32)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._offers[token] = _Offer(data, time.monotonic() + ttl, future, progress)
        return token, future

    def sent(self, token: str, end: int) -> None:
        """Note that the image behind `token` was sent up to byte `end` (exclusive)."""
        offer = self._offers.get(token)
        if offer is not None and offer.progress is not None and offer.data:
            offer.progress(min(end / len(offer.data), 1.0))

    def find(self, token: str) -> bytes | None:
        """Return the image behind `token` (compared in constant time), if still offered."""
        self._expire()
        for known, offer in self._offers.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                return offer.data
        return None

    def consume(self, token: str) -> None:
        """Withdraw an image after its one complete download."""
        offer = self._offers.pop(token, None)
        if offer is not None and not offer.downloaded.done():
            offer.downloaded.set_result(True)

    def withdraw(self, token: str) -> None:
        """Withdraw an image nobody downloaded."""
        offer = self._offers.pop(token, None)
        if offer is not None and not offer.downloaded.done():
            offer.downloaded.set_result(False)

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [token for token, offer in self._offers.items() if offer.expires < now]:
            self.withdraw(token)
