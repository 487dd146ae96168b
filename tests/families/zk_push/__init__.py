"""Tests of the zk_push family: its endpoints, its config flow, its simulator end to end."""
