"""The ZKTeco PUSH terminal's doors: CONTROL DEVICE actions, lock drive timers and door events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Final

from simulator.zk_push_codec import (
    ERR_EXECUTION,
    ERR_FORMAT,
    ERR_PARAMETER,
    ERR_UNSUPPORTED,
    OK,
    parse_int,
)
from simulator.zk_push_device import (
    DEFAULT_DRIVE_SECONDS,
    INTERLOCK_GROUPS,
    SENSOR_CLOSED,
    SENSOR_OPEN,
    DoorSim,
    rtstate_fields,
)

# Door events (Appendix 2).
EVENT_CANCEL_ALARM: Final = 7
EVENT_INTERLOCKED: Final = 25
EVENT_REMOTE_OPEN: Final = 8
EVENT_REMOTE_CLOSE: Final = 9
EVENT_CANNOT_CLOSE: Final = 37  # the door cannot be closed during its normal-open period
# Appendix 2: an auxiliary output switched on / off remotely (eventaddr: the output).
EVENT_AUX_OUTPUT_ON: Final = 12
EVENT_AUX_OUTPUT_OFF: Final = 13
EVENT_DOOR_OPENED: Final = 200
EVENT_DOOR_CLOSED: Final = 201
EVENT_NORMAL_OPEN_END: Final = 204
EVENT_NORMAL_OPEN: Final = 205
EVENT_REMOTE_LOCK: Final = 233
EVENT_REMOTE_UNLOCK: Final = 234

# CONTROL DEVICE AABBCCDD (section 12.4): AA the action, BB the door (00 all).
ACTION_OUTPUT: Final = 0x01
ACTION_CANCEL_ALARM: Final = 0x02
ACTION_RESTART: Final = 0x03
ACTION_NORMAL_OPEN: Final = 0x04
ACTION_LOCK_OUT: Final = 0x06
OUTPUT_LOCK: Final = 0x01
OUTPUT_AUX: Final = 0x02
BACK_TO_NORMAL: Final = 0x00
HOLD_OPEN: Final = 0xFF
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")

EventWriter = Callable[[DoorSim, int], None]


class DoorPanel:
    """The doors with their lock relays; every change writes the event the firmware writes."""

    def __init__(
        self,
        count: int,
        *,
        options: Mapping[str, str],
        write_event: EventWriter,
        restart: Callable[[], None],
        normal_open: Callable[[DoorSim, bool], None] | None = None,
        output_event: Callable[[int, int], None] | None = None,
    ) -> None:
        """Set up count doors, all closed with a contact sensor, relays off."""
        self.doors = [DoorSim(number=number) for number in range(1, count + 1)]
        self.door_commands: list[tuple[str, int, int, int]] = []
        # Every timed release of a lock: (door, seconds of drive time).
        self.releases: list[tuple[int, float]] = []
        self.alarms_cleared = 0
        # Length of one "second" of a drive time; tests shrink it.
        self.second = 1.0
        self._options = options
        self._write_event = write_event
        self._restart = restart
        # CONTROL DEVICE 04: the terminal runs or skips the day's normal-open period.
        self._normal_open = normal_open
        self._timers: dict[int, asyncio.TimerHandle] = {}
        # Doors held open by their normal-open period (not by a command).
        self.scheduled: set[int] = set()
        # Auxiliary outputs switched on (by number) and their timers.
        self.aux_on: set[int] = set()
        self._aux_timers: dict[int, asyncio.TimerHandle] = {}
        # Writes an event about an auxiliary output: (output, Appendix 2 code).
        self._output_event = output_event

    def status(self) -> tuple[str, str, str]:
        """Return the hex `sensor`, `relay` and `alarm` values of the rtstate line."""
        return rtstate_fields(self.doors)

    def control(self, text: str, *, remote_event: bool = True) -> int:
        """Run `CONTROL DEVICE AABBCCDD[EE]`; return the Appendix 1 code.

        remote_event=False opens without event 8: remote identification writes its own event.
        """
        code = text.strip().split(" ")[0].strip()
        if len(code) < 8 or len(code) % 2 or not set(code) <= _HEX_DIGITS:
            return ERR_FORMAT
        action, door_id, arg1, arg2 = (int(code[i : i + 2], 16) for i in range(0, 8, 2))
        if action == ACTION_RESTART:
            if door_id != 0:
                return ERR_UNSUPPORTED  # no slave devices behind this terminal
            self._restart()
        elif action not in (
            ACTION_OUTPUT,
            ACTION_CANCEL_ALARM,
            ACTION_NORMAL_OPEN,
            ACTION_LOCK_OUT,
        ):
            return ERR_UNSUPPORTED
        elif action == ACTION_OUTPUT and arg1 == OUTPUT_AUX:
            # BB is the output's number here (AuxOutCount of them).
            if not 1 <= door_id <= (parse_int(self._options.get("AuxOutCount")) or 0):
                return ERR_PARAMETER
            self._drive_aux(door_id, arg2)
        elif door_id > len(self.doors) or (action == ACTION_OUTPUT and arg1 != OUTPUT_LOCK):
            return ERR_PARAMETER
        elif (
            action == ACTION_OUTPUT
            and arg2 != BACK_TO_NORMAL
            and any(self.interlocked(door) for door in self._targets(door_id))
        ):
            for door in self._targets(door_id):
                self._write_event(door, EVENT_INTERLOCKED)
            return ERR_EXECUTION  # another door of its interlock is open
        else:
            for door in self._targets(door_id):
                self._act(door, action, arg1, arg2, remote_event=remote_event)
            if action == ACTION_CANCEL_ALARM:
                self.alarms_cleared += 1
        self.door_commands.append((code[:2].upper(), door_id, arg1, arg2))
        return OK

    def _targets(self, door_id: int) -> list[DoorSim]:
        return self.doors if door_id == 0 else [self.doors[door_id - 1]]

    def interlocked(self, door: DoorSim) -> bool:
        """Return True while another door of `door`'s interlock (InterLock) is open or released."""
        groups = INTERLOCK_GROUPS.get(parse_int(self._options.get("InterLock")) or 0, ())
        partners = {n for group in groups if door.number in group for n in group} - {door.number}
        return any(
            other.number in partners and (other.relay or other.sensor == SENSOR_OPEN)
            for other in self.doors
        )

    def _drive_aux(self, output: int, seconds: int, *, remote: bool = True) -> None:
        """Obey 01 <output> 02 <DD>: 00 off, FF on until told otherwise, else on DD seconds.

        remote=False: a linkage rule drives it, which writes its own event (6), not 12 / 13.
        """
        if (timer := self._aux_timers.pop(output, None)) is not None:
            timer.cancel()
        report = self._output_event if remote else None
        if seconds == BACK_TO_NORMAL:
            self.aux_on.discard(output)
            if report is not None:
                report(output, EVENT_AUX_OUTPUT_OFF)
            return
        self.aux_on.add(output)
        if report is not None:
            report(output, EVENT_AUX_OUTPUT_ON)
        if seconds != HOLD_OPEN:
            loop = asyncio.get_running_loop()
            self._aux_timers[output] = loop.call_later(
                seconds * self.second, self.aux_on.discard, output
            )

    def link(self, aux: bool, number: int, seconds: int) -> None:
        """Drive what a linkage rule names: auxiliary output or door lock `number` for `seconds`.

        0 switches off (the lock closes), 255 holds on (normally open); an output or door the
        controller does not have is nothing to drive.
        """
        if aux:
            if 1 <= number <= (parse_int(self._options.get("AuxOutCount")) or 0):
                self._drive_aux(number, seconds, remote=False)
            return
        if not 1 <= number <= len(self.doors):
            return
        door = self.doors[number - 1]
        if seconds == BACK_TO_NORMAL:
            self._cancel_timer(door)
            door.normal_open = False
            door.relay = False
            self.close_contact(door)
        else:
            self.energise(door, None if seconds == HOLD_OPEN else seconds)
            door.normal_open = seconds == HOLD_OPEN

    def _act(self, door: DoorSim, action: int, arg1: int, arg2: int, *, remote_event: bool) -> None:
        if action == ACTION_OUTPUT:
            self._drive_lock(door, arg2, remote_event=remote_event)
        elif action == ACTION_CANCEL_ALARM:
            door.alarms.clear()
            self._write_event(door, EVENT_CANCEL_ALARM)
        elif action == ACTION_NORMAL_OPEN:
            if self._normal_open is not None:
                self._normal_open(door, arg1 == 1)
        else:
            self._set_locked_out(door, locked=arg1 == 1)

    def _drive_lock(self, door: DoorSim, seconds: int, *, remote_event: bool) -> None:
        """Obey 01 <door> 01 <DD>: 00 back to normal, FF hold open, else open DD seconds."""
        if seconds == BACK_TO_NORMAL and door.number in self.scheduled:
            self._write_event(door, EVENT_CANNOT_CLOSE)  # its normal-open period runs
            return
        if seconds == BACK_TO_NORMAL:
            self._cancel_timer(door)
            door.normal_open = False
            door.relay = False
            self._write_event(door, EVENT_REMOTE_CLOSE)
            self.close_contact(door)
            return
        if remote_event:
            self._write_event(door, EVENT_REMOTE_OPEN)
        if seconds == HOLD_OPEN:
            self.energise(door, None)
            door.normal_open = True
        else:
            self.energise(door, seconds)

    def energise(self, door: DoorSim, seconds: float | None) -> None:
        """Energise the relay for seconds (None: until told otherwise); the door swings open."""
        self._cancel_timer(door)
        door.relay = True
        self.open_contact(door)
        if seconds is not None:
            self.releases.append((door.number, seconds))
            loop = asyncio.get_running_loop()
            self._timers[door.number] = loop.call_later(seconds * self.second, self._release, door)

    def pulse(self, door: DoorSim, *, super_user: bool = False, extended: bool = False) -> bool:
        """Open for the lock's drive time, as after a granted access or the exit button.

        False: an interlocked door is open, this one stays shut (a super user passes). A person
        with an extended unlock time gets `ExtDoor<n>DelayDrivertime` where it is set.
        """
        if not super_user and self.interlocked(door):
            return False
        value = parse_int(self._options.get(f"Door{door.number}Drivertime"))
        longer = parse_int(self._options.get(f"ExtDoor{door.number}DelayDrivertime"))
        if extended and longer and longer > 0:
            value = longer
        self.energise(door, value if value and value > 0 else DEFAULT_DRIVE_SECONDS)
        return True

    def _release(self, door: DoorSim) -> None:
        """End the drive time: the relay drops and the door closes (unless held open)."""
        self._timers.pop(door.number, None)
        if door.normal_open:
            return
        door.relay = False
        self.close_contact(door)

    def open_briefly(self, door: DoorSim, seconds: float) -> None:
        """Swing the door open without the lock (a key) and let it shut after `seconds`."""
        self.open_contact(door)
        loop = asyncio.get_running_loop()
        self._timers[door.number] = loop.call_later(seconds * self.second, self._shut, door)

    def _shut(self, door: DoorSim) -> None:
        self._timers.pop(door.number, None)
        if not door.relay:
            self.close_contact(door)

    def open_contact(self, door: DoorSim) -> None:
        """Swing the door open (a door without a contact reports nothing)."""
        if door.sensor == SENSOR_CLOSED:
            door.sensor = SENSOR_OPEN
            self._write_event(door, EVENT_DOOR_OPENED)

    def close_contact(self, door: DoorSim) -> None:
        """Let the door fall shut."""
        if door.sensor == SENSOR_OPEN:
            door.sensor = SENSOR_CLOSED
            self._write_event(door, EVENT_DOOR_CLOSED)

    def follow_schedule(self, door: DoorSim, *, in_period: bool) -> None:
        """Keep `door` normally open while its normal-open period (KeepOpenTimeZone) runs."""
        if in_period and door.number not in self.scheduled:
            self.scheduled.add(door.number)
            self._set_normal_open(door, enabled=True)
        elif not in_period and door.number in self.scheduled:
            self.scheduled.discard(door.number)
            self._set_normal_open(door, enabled=False)

    def _set_normal_open(self, door: DoorSim, *, enabled: bool) -> None:
        self._cancel_timer(door)
        door.normal_open = enabled
        door.relay = enabled
        self._write_event(door, EVENT_NORMAL_OPEN if enabled else EVENT_NORMAL_OPEN_END)
        if not enabled:
            self.close_contact(door)

    def _set_locked_out(self, door: DoorSim, *, locked: bool) -> None:
        door.locked_out = locked
        self._write_event(door, EVENT_REMOTE_LOCK if locked else EVENT_REMOTE_UNLOCK)
        if locked:
            # A locked-out door drops its relay and leaves any hold-open mode.
            self._cancel_timer(door)
            door.normal_open = False
            door.relay = False
            self.close_contact(door)

    def power_cycle(self) -> None:
        """Restart: relays drop (their doors fall shut) and hold-open modes are forgotten."""
        self.scheduled.clear()  # a normal-open period running resumes at the next cycle
        for door in self.doors:
            self._cancel_timer(door)
            if door.relay:
                door.relay = False
                self.close_contact(door)
            door.normal_open = False

    def cancel_timers(self) -> None:
        """Stop every running drive timer (the simulator is stopping)."""
        for door in self.doors:
            self._cancel_timer(door)
        for timer in self._aux_timers.values():
            timer.cancel()
        self._aux_timers.clear()

    def _cancel_timer(self, door: DoorSim) -> None:
        if (timer := self._timers.pop(door.number, None)) is not None:
            timer.cancel()
