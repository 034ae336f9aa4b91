"""Loaded into the Rasa server (its own venv) by bot/rasa_channel.py: the same work Rasa 3.6 does, done once.

- Rasa checks every action server response against its JSON schema with `jsonschema.validate`, which first
  checks the schema itself and builds a new validator on every call. The schema is a constant, and under
  load that re-checking was 16% of a Rasa server's CPU (py-spy on mixed shopper turns). Here the validator
  is built and the schema checked once; responses are checked exactly as before, with the same error.
- Reading a conversation from the tracker store turns each stored event into its class by walking every
  subclass of `Event` (and asking `inspect.isabstract` of each) per event: about 9% of the CPU. Here the
  name-to-class table is built once, and again only for a name it does not know yet. The SQL tracker store
  also built a full ORM object per stored event only to read its JSON column (5%): here it reads the column.
"""
from __future__ import annotations

import functools
import json
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

_event_classes: dict[str, type] = {}


@functools.lru_cache(maxsize=1)
def response_validator():
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with the validator built once."""
    error: ValidationError | None = best_match(response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (f". Failed to validate Action server response from API, make sure your response from the "
                      f"Action endpoint is valid. For more information about the format visit "
                      f"{DOCS_BASE_URL}/custom-actions")
    raise error


def resolve_event_type(type_name: str, default: type | None = None) -> type | None:
    """Event.resolve_by_type, with the classes looked up once: the first class of that name in Rasa's own
    order wins, as in Rasa's loop."""
    found = _event_classes.get(type_name)
    if found is None:  # first call, or a name of a class imported since: walk the classes again
        for cls in all_subclasses(Event):
            _event_classes.setdefault(cls.type_name, cls)
        found = _event_classes.get(type_name)
    if found is not None:
        return found
    if type_name == "topic":
        return None  # Rasa's own backwards compatibility for old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


async def retrieve_events(self: SQLTrackerStore, sender_id: str, fetch_events_from_all_sessions: bool
                          ) -> DialogueStateTracker | None:
    """SQLTrackerStore._retrieve, reading only the events' JSON column (same query, same order)."""
    with self.session_scope() as session:
        query = self._event_query(session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions)
        events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data).all()]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(resolve_event_type)
    SQLTrackerStore._retrieve = retrieve_events
