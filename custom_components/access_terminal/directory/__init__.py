"""The access directory: people, access levels and visitor passes, enforced in every terminal.

One directory per Home Assistant (a config entry of kind "directory"): its config subentries
are the people (`person`) and access levels (`access_level`). Every terminal converges to it
(reconcile.py); see DESIGN.md, "Access directory". Kept light on purpose: the event streams and
coordinators reach the directory through `const.DATA_DIRECTORY` without importing it whole.
"""
