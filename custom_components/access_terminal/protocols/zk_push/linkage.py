"""ZK PUSH linkage rules: the `inoutfun` table (sections 12.1.1.11 and 12.1.2.11).

`DATA UPDATE inoutfun Index=<n> EventType=<Appendix 2 code> InAddr=<door or input, 0 any>
OutType=<0 lock, 1 auxiliary output> OutAddr=<n> OutTime=<0 closed, 1-254 s, 255 normally open>
Reserved=0` (fields separated by tabs; `InDevID` / `OutDevID` where the tables carry a device
ID); `DATA DELETE inoutfun Index=<n>` or `*`. Each trigger of the shared vocabulary is the one
Appendix 2 code that says it; the controller applies its rules by itself.
"""

from __future__ import annotations

from ..linkage import LinkageTrigger
from ..model import AlarmReason, EventType, Linkage, LinkageOutput

# The document gives no limit to the rule numbers: a byte, as the other numbers of its commands.
MAX_LINKAGES = 255
# The Appendix 2 code of each trigger (101 and 103 are the same duress alarm: 101 is asked).
TRIGGER_CODES: dict[LinkageTrigger, int] = {
    (EventType.DOOR_OPENED, None): 200,
    (EventType.DOOR_CLOSED, None): 201,
    (EventType.DOOR_FORCED_OPEN, None): 102,
    (EventType.DOOR_HELD_OPEN, None): 28,
    (EventType.EXIT_BUTTON, None): 202,
    (EventType.DOORBELL, None): 224,
    (EventType.AUX_INPUT_ON, None): 226,
    (EventType.AUX_INPUT_OFF, None): 225,
    (EventType.ALARM, AlarmReason.TAMPER): 100,
    (EventType.ALARM, AlarmReason.DURESS): 101,
}
_OUT_TYPES = {LinkageOutput.LOCK: 0, LinkageOutput.AUX_OUTPUT: 1}
# Reserved: the low four bits are the linkage type, 0 a door linkage.
_DOOR_LINKAGE = 0


def linkage_command(linkage: Linkage, *, dev_id: bool) -> str:
    """Return DATA UPDATE inoutfun for a checked rule (DevID 1: the controller itself)."""
    fields = [
        f"Index={linkage.index}",
        f"EventType={TRIGGER_CODES[linkage.trigger, linkage.reason]}",
        f"InAddr={linkage.source}",
        f"OutType={_OUT_TYPES[linkage.output]}",
        f"OutAddr={linkage.number}",
        f"OutTime={linkage.seconds}",
        f"Reserved={_DOOR_LINKAGE}",
    ]
    if dev_id:
        fields += ["InDevID=1", "OutDevID=1"]
    return "DATA UPDATE inoutfun " + "\t".join(fields)


def delete_linkage_command(index: int | None) -> str:
    """Return DATA DELETE inoutfun for one rule, or every rule (None)."""
    return f"DATA DELETE inoutfun {'*' if index is None else f'Index={index}'}"
