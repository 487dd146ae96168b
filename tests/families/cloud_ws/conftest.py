"""The fixtures of tests/conftest.py stand for a cloud_ws terminal here."""

from __future__ import annotations

import pytest

from custom_components.access_terminal.protocols.model import Family


@pytest.fixture
def family() -> Family:
    """Test the cloud_ws family."""
    return Family.CLOUD_WS
