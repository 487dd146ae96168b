"""Tests of the webjson family: its endpoints, its config flow, its simulator end to end."""
