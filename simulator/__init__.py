"""Device simulators for the access terminals, one module per protocol family.

Each family plays a terminal well enough for end-to-end tests and a demo: push families talk to a
server URL with a serial number, pull families serve the device API on a local port. Run one from
the command line with ``python -m simulator <family> ...`` or drive it in-process from a test.
"""
