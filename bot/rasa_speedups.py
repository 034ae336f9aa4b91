"""Loaded into the Rasa server (its own venv) by bot/rasa_channel.py: the same work Rasa 3.6 does, done once.

Rasa checks every action server response against its JSON schema with `jsonschema.validate`, which first
checks the schema itself and builds a new validator on every call. The schema is a constant, and under load
that re-checking was 16% of a Rasa server's CPU (py-spy on mixed shopper turns). Here the validator is
built and the schema checked once; responses are checked exactly as before, with the same error.
"""
from __future__ import annotations

import functools
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


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


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
