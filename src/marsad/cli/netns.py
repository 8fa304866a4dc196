"""Worker hosts of `marsad cluster up --netns`, each in a network namespace of its own.

A host in its own namespace sees only its own loopback: nothing of this machine's
network, as a separate machine on a private network would. It is given exactly two
ports, PostgreSQL's and the S3 server's, each relayed through a Unix socket in the
host's folder (a path, which every namespace shares):

    worker -> 127.0.0.1:PORT in the host's namespace  (`inside`, started with `unshare --net`)
           -> HOST_FOLDER/PORT.sock                    (`outside`, in this machine's namespace)
           -> 127.0.0.1:PORT here

so the worker's settings are those of a host anywhere (DATABASE_URL, AWS_ENDPOINT_URL_S3)
and any other port (the web app's, another host's) is out of its reach.

    python -m marsad.cli.netns outside FOLDER HOST:PORT...
    python -m marsad.cli.netns inside FOLDER HOST:PORT... -- COMMAND...
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

CHUNK = 1 << 16


def unavailable() -> str | None:
    """Why network namespaces cannot be made here, or None when they can."""
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "no `unshare` or `ip` command (util-linux, iproute2)"
    try:
        made = subprocess.run([*_unshare(), "ip", "link", "set", "lo", "up"], capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unshare failed: {e}"
    if made.returncode:
        return f"this system does not let us make a network namespace: {made.stderr.strip()[:200]}"
    return None


def _unshare() -> list[str]:
    # Root makes the namespace itself; anyone else inside a user namespace of their own, where allowed.
    return ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "--user", "--map-root-user", "--net"]


def command(folder: Path, endpoints: list[str], worker: list[str]) -> list[str]:
    """The command line that runs `worker` in a new network namespace with `endpoints` relayed
    (unshare(1) execs: the process started is the one that runs the worker and the relays)."""
    return [*_unshare(), sys.executable, "-m", "marsad.cli.netns", "inside", str(folder), *endpoints, "--", *worker]


def relay_command(folder: Path, endpoints: list[str]) -> list[str]:
    return [sys.executable, "-m", "marsad.cli.netns", "outside", str(folder), *endpoints]


def socket_path(folder: Path, endpoint: str) -> str:
    return str(folder / f"{endpoint.rpartition(':')[2]}.sock")


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            writer.close()


def _relay(connect):
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            far_reader, far_writer = await connect()
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, far_writer), _pipe(far_reader, writer))

    return handle


async def _outside(folder: Path, endpoints: list[str]) -> None:
    servers = []
    for endpoint in endpoints:
        host, _, port = endpoint.rpartition(":")
        path = socket_path(folder, endpoint)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        servers.append(await asyncio.start_unix_server(
            _relay(lambda h=host, p=int(port): asyncio.open_connection(h, p)), path=path))
        os.chmod(path, 0o600)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()


async def _inside(folder: Path, endpoints: list[str], worker: list[str]) -> int:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    for endpoint in endpoints:
        host, _, port = endpoint.rpartition(":")
        await asyncio.start_server(_relay(lambda e=endpoint: asyncio.open_unix_connection(socket_path(folder, e))),
                                   host, int(port))
    proc = subprocess.Popen(worker)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, proc.send_signal, sig)
    return await loop.run_in_executor(None, proc.wait)


def main(argv: list[str]) -> int:
    mode, folder, rest = argv[0], Path(argv[1]), argv[2:]
    if mode == "outside":
        asyncio.run(_outside(folder, rest))
        return 0
    split = rest.index("--")
    return asyncio.run(_inside(folder, rest[:split], rest[split + 1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
