"""A scripted ZK PUSH device: raw requests, each method one request.

Shaped like the examples of specs/003_918f4eda729658fc.txt; the tests drive every byte themselves
(the simulator plays a whole terminal instead).
"""

from __future__ import annotations

import hashlib

from aiohttp import ClientResponse

from tests.helpers import TestClient, load_text
from tests.terminals import ZK_SERIAL

# The registry body of the document's example (section 7.4), with four doors, a visible light
# face reader, fingerprints, long names, DevID and door locking announced.
REGISTRY_BODY = load_text("zk_push", "registry.txt")


def md5_hex(text: str) -> str:
    """Return the lower-case hex MD5 of a text (the token)."""
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class ZkDevice:
    """A scripted ZK PUSH device: each method is one request, returning (status, text)."""

    def __init__(self, client: TestClient, serial: str = ZK_SERIAL) -> None:
        self.client = client
        self.serial = serial
        self.registry_code: str | None = None
        self.session: str | None = None
        self.use_token = False

    @property
    def token(self) -> str:
        """Return md5(RegistryCode + SN + SessionID)."""
        return md5_hex(f"{self.registry_code}{self.serial}{self.session}")

    def _headers(self, cookie: str | None) -> dict[str, str]:
        if cookie is not None:
            return {"Cookie": cookie}
        if self.use_token and self.session:
            return {"Cookie": f"token={self.token}"}
        return {}

    async def get(
        self, path: str, query: str = "", *, cookie: str | None = None
    ) -> tuple[int, str]:
        """GET /iclock/<path>?SN=<serial>&<query>."""
        response = await self.client.get(
            f"/iclock/{path}?SN={self.serial}{'&' + query if query else ''}",
            headers=self._headers(cookie),
        )
        return response.status, await response.text()

    async def post(
        self,
        path: str,
        query: str = "",
        body: bytes | str = b"",
        *,
        cookie: str | None = None,
    ) -> tuple[int, str]:
        """POST /iclock/<path>?SN=<serial>&<query> with a raw body."""
        data = body.encode() if isinstance(body, str) else body
        response = await self.client.post(
            f"/iclock/{path}?SN={self.serial}{'&' + query if query else ''}",
            data=data,
            headers=self._headers(cookie),
        )
        return response.status, await response.text()

    async def raw_post(self, path: str, query: str, body: bytes) -> ClientResponse:
        """POST and return the response itself (headers)."""
        return await self.client.post(f"/iclock/{path}?SN={self.serial}&{query}", data=body)

    async def register(self, body: str = REGISTRY_BODY) -> None:
        """Run the Security PUSH hand-shake: options, registry, push."""
        status, text = await self.get("cdata", "options=all&pushver=3.1.2&language=69")
        assert (status, text) == (200, "OK")
        status, text = await self.post("registry", "", body)
        assert status == 200, text
        assert text.startswith("RegistryCode="), text
        self.registry_code = text.removeprefix("RegistryCode=")
        status, text = await self.post("push")
        assert status == 200, text
        self.session = parameters(text)["SessionID"]

    async def rtlog(self, body: str) -> tuple[int, str]:
        """Upload real-time events."""
        return await self.post("cdata", "table=rtlog", body)

    async def rtstate(self, body: str) -> tuple[int, str]:
        """Upload door states."""
        return await self.post("cdata", "table=rtstate", body)

    async def commands(self) -> list[tuple[int, str]]:
        """Ask for commands; return (id, command) pairs (the lines after C:<id>:)."""
        status, text = await self.get("getrequest")
        assert status == 200, text
        return parse_commands(text)

    async def result(self, *lines: str) -> tuple[int, str]:
        """Report command results (one or several `ID=..&Return=..&CMD=..` lines)."""
        return await self.post("devicecmd", "", "\n".join(lines))


def parameters(text: str) -> dict[str, str]:
    """Read a `key=value` per line answer."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def parse_commands(text: str) -> list[tuple[int, str]]:
    """Split a getrequest answer into commands; record lines continue the command before."""
    if text == "OK":
        return []
    commands: list[tuple[int, str]] = []
    for line in text.split("\n"):
        if line.startswith("C:"):
            _, number, command = line.split(":", 2)
            commands.append((int(number), command))
        else:
            previous, command = commands[-1]
            commands[-1] = (previous, f"{command}\n{line}")
    return commands
