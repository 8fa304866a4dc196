"""Fuzz the standalone bundle verifier (verify.py, marsad/custody/bundle_verify.py).

A bundle is a folder (or its zip) anyone may hand a recipient. verify.py must answer
OK (0), FAILED (1) or usage (2), never a traceback, whatever the folder holds. The first
byte picks how the input is used:

  0  the parts of a bundle, which the harness then signs properly (a key of its own):
     original file, metadata JSON and custody leaves, split by "\n--\n"; a leaf may carry
     its restricted details after "\n==\n". In leaves, FILESHA stands for the original's
     SHA-256 and DETAILS for the digest of the details: what an attacker with their own
     key can make, so the checks past the signatures are reached;
  1  a valid bundle with one of its files (picked by the second byte) replaced by the rest;
  2  the rest as a zip file.

    python fuzz/fuzz_verify.py -max_total_time=30
"""

import contextlib
import io
import shutil

import _harness
import atheris

with atheris.instrument_imports(include=["marsad.custody.bundle_verify"]):
    from marsad.custody import bundle_verify as bv
from _bundle import DETAILS, PART, default_parts, build

FOLDER = _harness.scratch("verify")


def _zip(bag) -> bytes:
    shutil.make_archive(str(FOLDER / "z"), "zip", bag.parent, bag.name)
    return (FOLDER / "z.zip").read_bytes()


def seeds():
    yield b"\x00" + PART.join(default_parts())
    yield b"\x00" + PART.join(default_parts()[:3] + [b'{"v": 1, "type": "incident", "details": "DETAILS"}' + DETAILS
                                                       + b'{"x": [1, 2.5, "\\u00e9", null, true]}'])
    yield b"\x00" + PART.join(default_parts()[:2] + [b"[]", b'{"type": "ingest", "item": "FILESHA", "outputs": []}'])
    for n in range(6):
        yield bytes([1, n]) + b'{"type": "ingest"}'
    bag = FOLDER / "seedbag" / "marsad-bundle"
    build(default_parts(), bag)
    yield b"\x02" + _zip(bag)


def verify(target) -> None:
    with contextlib.redirect_stdout(io.StringIO()) as said:
        status = bv.main(["verify.py", str(target)])
    assert status in (0, 1), (status, said.getvalue())
    assert said.getvalue().startswith(("OK", "FAILED")), said.getvalue()


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    bag = FOLDER / "bag"
    mode = data[0] % 3
    if mode == 0:
        build(data[1:].split(PART), bag)
    elif mode == 1:
        build(default_parts(), bag)
        files = sorted(p for p in bag.rglob("*") if p.is_file())
        files[data[1] % len(files) if len(data) > 1 else 0].write_bytes(data[2:])
    else:
        bag = FOLDER / "bundle.zip"
        bag.write_bytes(data[1:])
    verify(bag)


if __name__ == "__main__":
    _harness.main(TestOneInput, seeds)
