"""Tests of the cloud_ws family: its endpoints, its config flow, its simulator end to end."""
