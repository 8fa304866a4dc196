"""What the API reads and answers, as the OpenAPI document states it.

Restricted fields (`marsad.access.roles.RESTRICTED_*`) are optional in every answer
and null for a role without "view_restricted": present.py fills them only where
the role may see them. Strings sent to the API may not hold NUL characters (no
database keeps them); numbers are bounded to what the columns hold."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, Field

Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")]
Count = Annotated[int, Field(ge=0, le=2_000_000_000)]
Limit = Annotated[int, Field(ge=1, le=200)]


class Error(Schema):
    detail: str | list[dict[str, Any]] = Field(description="What was wrong, in words (a list for invalid input).")


class Page(Schema):
    next: str | None = Field(None, description="Pass as `after` for the next page; null on the last page.")


# -- evidence ----------------------------------------------------------------------------

class CaptureOut(Schema):
    id: int
    item: str
    project: str | None
    source_kind: str
    ingested_at: dt.datetime
    # restricted: null without "view_restricted"
    original_path: str | None = None
    original_name: str | None = None
    url: str | None = None
    channel: str | None = None
    post_id: str | None = None
    posted_at: dt.datetime | None = None
    text: str | None = None
    source_details: dict[str, Any] | None = None
    file_mtime: dt.datetime | None = None


class ItemOut(Schema):
    sha256: str
    kind: str
    mime: str
    size: int
    first_seen: dt.datetime
    captured_at: str = Field(description="As recorded, with its offset when known.")
    captured_at_source: str
    width: int | None
    height: int | None
    duration_s: float | None
    codec: str
    graphic: bool
    analysis: str
    log_index: int
    incidents: list[str]
    restricted_shown: bool = Field(description="Whether this answer holds the restricted fields.")
    # restricted: null without "view_restricted"
    gps_lat: float | None = None
    gps_lon: float | None = None
    make: str | None = None
    model: str | None = None


class ItemDetail(ItemOut):
    captures: list[CaptureOut]
    metadata: dict[str, Any] = Field(description="exiftool's tags; only technical ones without view_restricted.")
    derivatives: dict[str, str] = Field(description="role (thumbnail, poster, ...) -> SHA-256")


class ItemPage(Page):
    items: list[ItemOut]


class CapturePage(Page):
    captures: list[CaptureOut]


class CopyLinkOut(Schema):
    to: str
    distance: int
    share: float
    reason: str


class CopyOut(Schema):
    sha256: str
    kind: str
    earliest: dt.datetime | None
    earliest_source: str
    this: bool
    first: bool = False
    links: list[CopyLinkOut]


# -- incidents ---------------------------------------------------------------------------

class IncidentOut(Schema):
    code: str
    project: str
    title: str
    event_date: dt.date | None
    event_time: dt.time | None
    time_precision: int
    disorder_type: str
    event_type: str
    sub_event_type: str
    actor1: str
    assoc_actor_1: str
    actor2: str
    assoc_actor_2: str
    actor_basis: str = Field(description="Kinds of basis for the suspected actors, ';'-separated: witness, remnants, "
                             "flight_tracking, imagery, claim, statement, pattern, other.")
    actor_basis_note: str
    civilian_targeting: bool
    place: str | None = Field(description="The Place key.")
    location_text: str
    latitude: float | None
    longitude: float | None
    geo_precision: int
    fatalities_low: int | None
    fatalities_best: int | None
    fatalities_high: int | None
    civilian_deaths_low: int | None
    civilian_deaths_best: int | None
    civilian_deaths_high: int | None
    injured: int | None
    health_facility_type: str
    health_attack_type: str
    health_workers_killed: int | None
    health_workers_injured: int | None
    patients_killed: int | None
    patients_injured: int | None
    notes: str
    grade: str
    grade_reason: str
    status: str
    assignee: str | None
    tags: list[str]
    merged_into: str | None
    split_from: str | None
    created: dt.datetime
    restricted_shown: bool
    # restricted: null without "view_restricted"
    witness_names: str | None = None
    witness_contacts: str | None = None
    source_notes: str | None = None


class LinkOut(Schema):
    sha256: str
    role: str
    added_at: dt.datetime


class ChangeOut(Schema):
    action: str
    field: str
    old: Any = None
    new: Any = None
    evidence: list[str]
    reason: str
    actor: str = Field(description="The username of a member of the project, else the log's pseudonymous id.")
    at: dt.datetime
    log_index: int


class CommentOut(Schema):
    id: int
    author: str | None
    body: str
    attachments: list[str]
    at: dt.datetime
    log_index: int


class IncidentDetail(IncidentOut):
    evidence: list[LinkOut]
    history: list[ChangeOut]
    comments: list[CommentOut]


class IncidentPage(Page):
    incidents: list[IncidentOut]


Short = Annotated[str, Field(max_length=64, pattern=r"^[^\x00]*$")]
Name = Annotated[str, Field(max_length=255, pattern=r"^[^\x00]*$")]
Long = Annotated[str, Field(max_length=20_000, pattern=r"^[^\x00]*$")]
Small = Annotated[int, Field(ge=1, le=3)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


def _local(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError("event_time is the local time of the event, without a time zone")
    return value


LocalTime = Annotated[dt.time, AfterValidator(_local)]


class IncidentFields(Schema):
    """Fields to set; leave out what should not change. `place`: a Place key."""

    title: Annotated[str, Field(max_length=500, pattern=r"^[^\x00]*$")] | None = None
    event_date: dt.date | None = None
    event_time: LocalTime | None = None
    time_precision: Small | None = None
    event_type: Short | None = None
    sub_event_type: Short | None = None
    actor1: Name | None = None
    assoc_actor_1: Name | None = None
    actor2: Name | None = None
    assoc_actor_2: Name | None = None
    actor_basis: list[Literal["witness", "remnants", "flight_tracking", "imagery", "claim", "statement", "pattern",
                              "other"]] | None = Field(None, max_length=8,
                                                      description="Kinds of basis for the suspected actors.")
    actor_basis_note: Long | None = None
    civilian_targeting: bool | None = None
    place: Name | None = None
    location_text: Annotated[str, Field(max_length=500, pattern=r"^[^\x00]*$")] | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    geo_precision: Small | None = None
    fatalities_low: Count | None = None
    fatalities_best: Count | None = None
    fatalities_high: Count | None = None
    civilian_deaths_low: Count | None = None
    civilian_deaths_best: Count | None = None
    civilian_deaths_high: Count | None = None
    injured: Count | None = None
    health_facility_type: Short | None = None
    health_attack_type: Annotated[str, Field(max_length=128, pattern=r"^[^\x00]*$")] | None = None
    health_workers_killed: Count | None = None
    health_workers_injured: Count | None = None
    patients_killed: Count | None = None
    patients_injured: Count | None = None
    notes: Long | None = None
    grade: Literal["unassessed", "confirmed", "fair", "weak", "contested", "discounted"] | None = Field(
        None, description="\"confirmed\" takes a second member's approval: it is refused here (422).")
    grade_reason: Long | None = None
    status: Literal["new", "in_review", "needs_second_review", "verified", "discounted"] | None = None
    witness_names: Long | None = None
    witness_contacts: Long | None = None
    source_notes: Long | None = None


LinkRole = Literal["primary", "corroborating", "context"]
Reason = Annotated[str, Field(min_length=1, max_length=5000, pattern=r"^[^\x00]*\S[^\x00]*$")]


class IncidentCreate(Schema):
    fields: IncidentFields
    evidence: list[Sha256] = Field(default_factory=list, max_length=100)
    role: LinkRole = "corroborating"
    reason: Annotated[str, Field(max_length=5000, pattern=r"^[^\x00]*$")] = ""


class IncidentUpdate(Schema):
    fields: IncidentFields
    reason: Reason
    seen: dict[str, Annotated[str, Field(max_length=20_000, pattern=r"^[^\x00]*$")] | None] | None = Field(
        None, description="Values as you last read them (field -> value); a field changed since answers 409.")
    evidence: list[Sha256] = Field(default_factory=list, max_length=100)


class LinkIn(Schema):
    evidence: list[Sha256] = Field(min_length=1, max_length=100)
    role: LinkRole
    reason: Reason


class CommentIn(Schema):
    body: Annotated[str, Field(min_length=1, max_length=20_000, pattern=r"^[^\x00]*\S[^\x00]*$")]


class Changed(Schema):
    changes: int
    incident: IncidentOut


# -- places, suggestions, search, uploads ------------------------------------------------

class PlaceOut(Schema):
    key: str
    name: str
    name_ar: str
    names: list[str]
    level: int
    lat: float | None
    lon: float | None
    parent: str | None
    pcode: str


class PlacePage(Page):
    places: list[PlaceOut]


class SuggestionOut(Schema):
    sha256: str
    score: float
    why: str
    tier: str = Field("strong", description="strong, or weak: the same time window and kind of event, no place named")


class SearchHitOut(Schema):
    kind: str = Field(description="incident, comment, item, capture or place")
    key: str = Field(description="The incident's code, the item's SHA-256 or the place's key.")
    title: str
    title_ar: str = ""
    snippet_html: str = Field(description="The matching text, HTML-escaped, the matched words in <mark>.")
    rank: float
    field: str = Field("", description="The field that matched best (title, notes, text, ...).")
    project: str | None = None


class SearchPageOut(Page):
    total: int
    capped: bool = Field(description="More rows matched than were read: `total` is at least this.")
    hits: list[SearchHitOut]


class UploadOut(Schema):
    path: str = Field(description="The name as sent; empty without view_restricted.")
    status: str = Field(description="new, known or failed")
    sha256: str
    kind: str
    reason: str
