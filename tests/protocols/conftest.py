"""Protocol tests are plain pytest: they need no Home Assistant instance."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the package-wide fixture: it would start Home Assistant for every test."""
    return
