"""The workspace: one folder holding everything of one installation."""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from marsad.core.custody.note import Signer, Verifier

MARKER = "marsad.toml"


class WorkspaceNotFound(Exception):
    def __init__(self, home: Path) -> None:
        super().__init__(
            f"no Marsad workspace at {home}: run `marsad init --home {home}` first, "
            "or point --home / MARSAD_HOME at an existing one"
        )


class MissingSecretKey(Exception):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} is missing or empty: Marsad will not run without it (actor pseudonyms in the custody "
            "log are keyed by it). Restore it from a backup of this workspace, or run `marsad init` to "
            "make a new one (then the same person gets a new pseudonym from now on)."
        )


@dataclass(frozen=True)
class Workspace:
    home: Path

    @property
    def database(self) -> Path:
        return self.home / "marsad.sqlite3"

    @property
    def store_dir(self) -> Path:
        return self.home / "store"

    @property
    def log_dir(self) -> Path:
        return self.home / "log"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def signing_key_path(self) -> Path:
        return self.keys_dir / "log.key"

    @property
    def verifier_key_path(self) -> Path:
        return self.log_dir / "log.vkey"

    @property
    def checkpoints_path(self) -> Path:
        """Every signed checkpoint, appended: the log's protection outside the database."""
        return self.log_dir / "checkpoints"

    @property
    def secret_key_path(self) -> Path:
        return self.keys_dir / "django.key"

    def exists(self) -> bool:
        return (self.home / MARKER).is_file()

    def require(self) -> Workspace:
        if not self.exists():
            raise WorkspaceNotFound(self.home)
        return self

    def signer(self) -> Signer:
        return Signer.parse(self.signing_key_path.read_text())

    def verifier(self) -> Verifier:
        return Verifier.parse(self.verifier_key_path.read_text())

    def secret_key(self) -> str:
        """The workspace's Django key ("" where there is no workspace yet). Actor pseudonyms
        are keyed by it, so a workspace without it must not run on a stand-in."""
        path = self.secret_key_path
        key = path.read_text().strip() if path.is_file() else ""
        if not key and self.exists():
            raise MissingSecretKey(path)
        return key

    def create(self) -> bool:
        """Create what is missing; never replace what exists. True if newly made."""
        fresh = not self.exists()
        for folder in (self.home, self.store_dir, self.log_dir, self.keys_dir, self.home / "index"):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Keys, the live database, restricted details and the evidence itself: the owner's alone.
        for folder in (self.home, self.store_dir, self.keys_dir):
            os.chmod(folder, 0o700)
        if not os.environ.get("DATABASE_URL") and not self.database.exists():
            # An empty file is an empty SQLite database; SQLite gives its journal the same mode.
            os.close(os.open(self.database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        if not self.signing_key_path.exists():
            origin = f"marsad.local/{uuid.uuid4().hex[:16]}"
            signer = Signer.generate(origin)
            _write_secret(self.signing_key_path, signer.skey() + "\n")
            self.verifier_key_path.write_text(signer.verifier().vkey() + "\n")
        django_key = self.secret_key_path
        if not django_key.exists():
            _write_secret(django_key, secrets.token_urlsafe(50) + "\n")
        if fresh:
            (self.home / MARKER).write_text(
                "# Marsad workspace settings; environment variables (MARSAD_*) take precedence.\n"
            )
        return fresh


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
