"""Shared helpers of the device simulators: attributes, clocks, photos and randomness."""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import io
import logging
import random
import time
from typing import Protocol, Self, overload

from PIL import Image, ImageDraw, ImageFont

_LOGGER = logging.getLogger(__name__)

DEMO_NAMES = (
    "Alice",
    "Bob",
    "Carol",
    "Dave",
    "Erin",
    "Frank",
    "Grace",
    "Heidi",
    "Ivan",
    "Judy",
    "Mallory",
    "Niaj",
    "Olivia",
    "Peggy",
    "Rupert",
    "Sybil",
    "Trent",
    "Victor",
    "Walter",
    "Yvonne",
)


# --- helpers ------------------------------------------------------------------------------------


class Runnable(Protocol):
    """Anything with an async start and stop, like every simulator."""

    async def start(self) -> None:
        """Start the background work."""

    async def stop(self) -> None:
        """Stop the background work and release resources."""


def shorten(text: str, limit: int = 160) -> str:
    """Return text on one line, cut to limit characters for the exchange log."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


# --- attributes ---------------------------------------------------------------------------------


class Forwarded[T]:
    """An attribute that a part of the object keeps (its transport, clock, tables or doors).

    `users = Forwarded[dict[str, str]]("_tables")` reads and writes `self._tables.users`;
    a second argument names the part's attribute where the name differs.
    """

    def __init__(self, part: str, attribute: str = "") -> None:
        """Forward to the attribute of the part (the attribute's own name by default)."""
        self._part = part
        self._attribute = attribute

    def __set_name__(self, owner: type, name: str) -> None:
        """Learn the name the attribute has on its class."""
        self._attribute = self._attribute or name

    @overload
    def __get__(self, instance: None, owner: type) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | Self:
        """Read the part's attribute (the descriptor itself on the class)."""
        if instance is None:
            return self
        value: T = getattr(getattr(instance, self._part), self._attribute)
        return value

    def __set__(self, instance: object, value: T) -> None:
        """Write the part's attribute."""
        setattr(getattr(instance, self._part), self._attribute, value)


# --- time ---------------------------------------------------------------------------------------


def monotonic() -> float:
    """Seconds on a clock that never jumps, for scheduling."""
    return time.monotonic()


@dataclass(kw_only=True)
class DeviceClock:
    """The device's wall clock: host time plus an offset the server may set."""

    offset: float = 0.0

    def now(self) -> float:
        """Device time as Unix seconds."""
        return time.time() + self.offset

    def unix(self) -> int:
        """Device time as whole Unix seconds, as records carry it."""
        return int(self.now())

    def set(self, unix_time: float) -> None:
        """Set the device time, as a time sync from the server does."""
        self.offset = unix_time - time.time()


# --- randomness ---------------------------------------------------------------------------------


def make_rng(seed: int | None) -> random.Random:
    """Return a private random generator; a seed makes a run reproducible."""
    return random.Random(seed)


def random_digits(rng: random.Random, length: int) -> str:
    """Return a digit string without a leading zero, like a card number."""
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(length - 1))


def jitter(rng: random.Random, value: float, fraction: float = 0.3) -> float:
    """Return value randomly moved by up to +-fraction, so events do not tick like a metronome."""
    return value * rng.uniform(1 - fraction, 1 + fraction)


def demo_name(index: int) -> str:
    """Return a readable demo name for the index-th (1-based) demo user."""
    base = DEMO_NAMES[(index - 1) % len(DEMO_NAMES)]
    lap = (index - 1) // len(DEMO_NAMES)
    return base if lap == 0 else f"{base} {lap + 1}"


def md5_hex(data: bytes) -> str:
    """Return the upper-case hex MD5 that firmware and photo checks use."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest().upper()


# --- photos -------------------------------------------------------------------------------------


def jpeg_photo(label: str = "", *, seed: int | str | None = None) -> bytes:
    """Return a small JPEG of a coloured cartoon face with a caption (well under 10 KB).

    The same label and seed give the same picture; the seed defaults to the label.
    """
    rng = random.Random(f"{label}|{seed}")
    width, height = 160, 120
    background = (rng.randint(40, 200), rng.randint(40, 200), rng.randint(40, 200))
    skin = rng.choice(((255, 220, 177), (229, 184, 143), (198, 134, 66), (141, 85, 36)))
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((50, 8, 110, 92), fill=skin, outline=(40, 40, 40))
    draw.ellipse((64, 34, 74, 44), fill=(30, 30, 30))
    draw.ellipse((86, 34, 96, 44), fill=(30, 30, 30))
    draw.arc((66, 50, 94, 76), start=20, end=160, fill=(120, 20, 20), width=3)
    # The default font may lack glyphs for other scripts; the caption is only decoration.
    caption = label.encode("ascii", "replace").decode("ascii")[:24]
    draw.text((4, 100), caption, fill=(255, 255, 255), font=ImageFont.load_default())
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()
