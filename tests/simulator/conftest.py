"""Fixtures for the simulator tests."""

import pytest


@pytest.fixture(autouse=True)
def allow_loopback_sockets(socket_enabled: None) -> None:
    """Let simulators and fake servers talk over real loopback sockets.

    The Home Assistant test plugin blocks sockets in every test; these tests are about the wire.
    """
