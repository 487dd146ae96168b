"""Tests of the MQTT bridge: its connection, its flows, what other hubs see."""
