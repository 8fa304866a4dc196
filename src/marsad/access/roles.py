"""Roles in a project, from most to least trusted. Pure data: no Django."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    EDITOR = "editor"
    VIEWER = "viewer"
    RESTRICTED = "restricted"  # reads incidents and previews, never restricted fields or originals


RANK = {Role.OWNER: 5, Role.MANAGER: 4, Role.EDITOR: 3, Role.VIEWER: 2, Role.RESTRICTED: 1}

# Who may do what: the one table every predicate in rules.py reads.
CAN = {
    "view": {Role.OWNER, Role.MANAGER, Role.EDITOR, Role.VIEWER, Role.RESTRICTED},
    "view_restricted": {Role.OWNER, Role.MANAGER, Role.EDITOR, Role.VIEWER},
    "view_original": {Role.OWNER, Role.MANAGER, Role.EDITOR, Role.VIEWER},
    "comment": {Role.OWNER, Role.MANAGER, Role.EDITOR, Role.VIEWER},
    "upload": {Role.OWNER, Role.MANAGER, Role.EDITOR},
    "edit": {Role.OWNER, Role.MANAGER, Role.EDITOR},
    "edit_restricted": {Role.OWNER, Role.MANAGER},
    "review": {Role.OWNER, Role.MANAGER, Role.EDITOR},
    "manage": {Role.OWNER, Role.MANAGER},
}

# Fields that may identify a source or a witness. They never reach a user without
# "view_restricted": not in pages, fragments, exports or error pages.
RESTRICTED_CAPTURE_FIELDS = ("original_path", "original_name", "url", "channel", "post_id", "posted_at", "text",
                             "source_details", "file_mtime")
RESTRICTED_ITEM_FIELDS = ("gps_lat", "gps_lon", "make", "model")
RESTRICTED_INCIDENT_FIELDS = ("witness_names", "witness_contacts", "source_notes")
# Metadata tags shown to roles without the right: technical facts only.
SAFE_METADATA_TAGS = ("File:FileType", "File:MIMEType", "File:ImageWidth", "File:ImageHeight",
                      "Composite:ImageSize", "QuickTime:Duration", "Composite:Duration", "QuickTime:VideoFrameRate")
