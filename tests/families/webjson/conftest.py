"""The fixtures of tests/conftest.py stand for a webjson terminal here."""

from __future__ import annotations

import pytest

from custom_components.access_terminal.protocols.model import Family


@pytest.fixture
def family() -> Family:
    """Test the webjson family."""
    return Family.WEBJSON
