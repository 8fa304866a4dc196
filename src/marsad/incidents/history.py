"""What of an incident's history a reader may see: one rule for the incident page,
the API and the project export. Without the right to restricted fields, their keys
are taken out of every recorded value (the record of the creation holds them all),
and a change to one of them is left out, or kept with its values withheld."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .models import Incident, IncidentChange
from .service import RESTRICTED


@dataclass(frozen=True)
class Visible:
    change: IncidentChange
    old: Any
    new: Any
    withheld: bool = False  # something was taken out of old or new


def _strip(value: Any) -> tuple[Any, bool]:
    if isinstance(value, dict) and RESTRICTED & set(value):
        return {k: v for k, v in value.items() if k not in RESTRICTED}, True
    return value, False


def visible_changes(incident_or_changes: Incident | Iterable[IncidentChange], see_restricted: bool, *,
                    keep_withheld: bool = False) -> list[Visible]:
    """The changes (an incident's: oldest first) as this reader may see them. A change to
    a restricted field is left out, or with `keep_withheld` kept with old and new None."""
    changes = (incident_or_changes.changes.all() if isinstance(incident_or_changes, Incident)
               else incident_or_changes)
    out = []
    for change in changes:
        if see_restricted:
            out.append(Visible(change, change.old, change.new))
        elif change.field in RESTRICTED:
            if keep_withheld:
                out.append(Visible(change, None, None, withheld=True))
        else:
            (old, old_cut), (new, new_cut) = _strip(change.old), _strip(change.new)
            out.append(Visible(change, old, new, withheld=old_cut or new_cut))
    return out
