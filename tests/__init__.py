"""Tests of the Access Terminal integration."""
