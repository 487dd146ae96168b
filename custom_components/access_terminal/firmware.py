"""Firmware images served to terminals through single-use, unguessable URLs."""

from __future__ import annotations

import asyncio
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


class FirmwareServer:
    """Keeps images until their device has downloaded them once (or they expire)."""

    def __init__(self) -> None:
        """Start with nothing offered."""
        self._offers: dict[str, _Offer] = {}

    def publish(self, data: bytes, ttl: float) -> tuple[str, asyncio.Future[bool]]:
        """Offer `data`; return the secret token and a future of its download.

        The future is True once the image was downloaded, False if withdrawn or expired first.
        """
        self._expire()
        token = secrets.token_urlsafe(32)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._offers[token] = _Offer(data, time.monotonic() + ttl, future)
        return token, future

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
