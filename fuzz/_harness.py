"""What every harness shares: a scratch workspace home, the seed corpus written by the
harness's own code (no binaries kept in the repository), and libFuzzer's arguments.

A harness runs as `python fuzz/fuzz_NAME.py [libFuzzer options] [CORPUS_DIR ...]`.
Without a corpus folder its seeds go to a fresh temporary one, so that libFuzzer starts
from well-formed inputs (an export, an archive, a signed bundle) and mutates those.
A "crash" is any exception other than the reader's own documented error for bad input.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

# Settings are read from the workspace's marsad.toml: never a real one while fuzzing.
os.environ["MARSAD_HOME"] = tempfile.mkdtemp(prefix="marsad-fuzz-home-")
SRC = Path(__file__).resolve().parent.parent / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

def scratch(name: str) -> Path:
    # libFuzzer ends the process without Python's exit handlers: scratch lies under TMPDIR, which
    # `make fuzz` and the tests point at a folder of their own.
    return Path(tempfile.mkdtemp(prefix=f"marsad-fuzz-{name}-"))


def main(test_one_input: Callable[[bytes], None], seeds: Callable[[], Iterable[bytes]]) -> None:
    import atheris

    args = list(sys.argv)
    if not any(not a.startswith("-") for a in args[1:]):
        corpus = scratch("corpus")
        for n, seed in enumerate(seeds()):
            (corpus / f"seed-{n:03d}").write_bytes(seed)
        args.append(str(corpus))
    if not any(a.startswith("-timeout=") for a in args):
        args.append("-timeout=30")  # one input running longer is a hang, reported as such
    atheris.Setup(args, test_one_input)
    atheris.Fuzz()
