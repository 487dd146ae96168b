"""The fixtures of tests/conftest.py stand for a zk_push terminal here."""

from __future__ import annotations

import pytest

from custom_components.access_terminal.protocols.model import Family


@pytest.fixture
def family() -> Family:
    """Test the zk_push family."""
    return Family.ZK_PUSH
