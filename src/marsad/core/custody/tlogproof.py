"""C2SP tlog-proof: an offline-verifiable proof that an entry is in a log.

    c2sp.org/tlog-proof@v1
    [extra <base64>]
    index <N>
    <base64 hash>            (the inclusion proof, one hash a line)
    <blank line>
    <signed checkpoint>
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

HEADER = "c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class TlogProof:
    index: int
    hashes: list[bytes]
    checkpoint: str  # the signed note, verbatim
    extra: bytes | None = None

    def text(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines += [base64.b64encode(h).decode() for h in self.hashes]
        return "\n".join(lines) + "\n\n" + self.checkpoint

    @classmethod
    def parse(cls, text: str) -> TlogProof:
        head, sep, checkpoint = text.partition("\n\n")
        lines = head.split("\n")
        if not sep or not lines or lines[0] != HEADER:
            raise ValueError("not a c2sp.org/tlog-proof@v1 proof")
        extra = None
        rest = lines[1:]
        if rest and rest[0].startswith("extra "):
            extra = base64.b64decode(rest.pop(0)[6:], validate=True)
        if not rest or not rest[0].startswith("index ") or not rest[0][6:].isdigit():
            raise ValueError("tlog-proof has no index line")
        index = int(rest.pop(0)[6:])
        hashes = [base64.b64decode(line, validate=True) for line in rest]
        return cls(index, hashes, checkpoint, extra)
