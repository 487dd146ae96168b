"""Tests of each protocol family's Home Assistant side (families/<family>.py), and the registry."""
