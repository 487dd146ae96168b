"""Tests of the control_api family: its endpoints, its config flow, its simulator end to end."""
