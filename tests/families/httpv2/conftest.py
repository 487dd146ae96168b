"""The fixtures of tests/conftest.py stand for a httpv2 terminal here."""

from __future__ import annotations

import pytest

from custom_components.access_terminal.protocols.model import Family


@pytest.fixture
def family() -> Family:
    """Test the httpv2 family."""
    return Family.HTTPV2
