"""The limits of the OpenAPI document applied to the JSON bodies the API receives.

The request body schemas of app/api/spec.py state `maxLength` and `maxItems` (from app/limits.py);
this checks a body against exactly those two keywords, so the document and the checks cannot
drift apart. Types, required fields and allowed values stay with the views, whose messages say
more than a schema error would.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from flask import Flask, current_app, request
from flask_babel import gettext as _

from ..errors import Invalid
from .spec import build_spec

if TYPE_CHECKING:
    from jsonschema import ValidationError

# What a limit needs to be found: the way down through objects, arrays and references, and the
# types that tell apart the branches of a oneOf. Other keywords are left to the views.
_KEYWORDS = ("$ref", "properties", "items", "oneOf", "anyOf", "type", "maxLength", "maxItems")


@cache
def limit_validator():
    """The validator class that knows only those keywords (jsonschema loads on first use)."""
    from jsonschema import Draft4Validator, validators

    return validators.create(
        meta_schema=Draft4Validator.META_SCHEMA,
        validators={keyword: Draft4Validator.VALIDATORS[keyword] for keyword in _KEYWORDS},
        type_checker=Draft4Validator.TYPE_CHECKER,
    )


def _validators(app: Flask) -> dict:
    """A validator per (URL rule, method) that takes a JSON body; built once per app."""
    cached = app.extensions.get("dianjiao_body_limits")
    if cached is None:
        document = build_spec(app)
        components = {"schemas": document["components"]["schemas"]}
        cached = {}
        for path, operations in document["paths"].items():
            rule = path.replace("{", "<").replace("}", ">")
            for method, operation in operations.items():
                content = (operation.get("requestBody") or {}).get("content", {})
                schema = content.get("application/json", {}).get("schema")
                if schema:
                    cached[(rule, method.upper())] = limit_validator()(
                        {**schema, "components": components})
        app.extensions["dianjiao_body_limits"] = cached
    return cached


def _over_limit(errors: Iterable[ValidationError]) -> Iterable[ValidationError]:
    for error in errors:
        if error.validator in ("maxLength", "maxItems"):
            yield error
        yield from _over_limit(error.context or ())


def _field(path) -> str:
    name = ""
    for step in path:
        name += f"[{step}]" if isinstance(step, int) else (f".{step}" if name else str(step))
    return name


def check_limits(body: object) -> None:
    """Refuse (422) a body of this request with a text or a list over its documented limit."""
    rule = request.url_rule.rule if request.url_rule else None
    validator = _validators(current_app).get((rule, request.method))
    if validator is None:
        return
    error = next(iter(sorted(_over_limit(validator.iter_errors(body)),
                             key=lambda e: list(map(str, e.absolute_path)))), None)
    if error is None:
        return
    field, limit = _field(error.absolute_path), error.validator_value
    if error.validator == "maxLength":
        raise Invalid(_("%(field)s is longer than %(num)d characters.", field=field, num=limit))
    raise Invalid(_("%(field)s has more than %(num)d items.", field=field, num=limit))
