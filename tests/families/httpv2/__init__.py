"""Tests of the httpv2 family: its endpoints, its config flow, its simulator end to end."""
