"""Checks of the JSON API's own contract, run by schemathesis next to its built-in checks
(tests/fuzz/schemathesis.toml loads this file; run through tests/fuzz/run.sh).

What the OpenAPI document cannot say and README does:
  - error_code_matches_status: every answer is the {"code", "message", "data"} envelope, and its
    HTTP status is the one of its code (1001 is 400, 1404 is 404, 2004 is 400 or 502...);
  - schema_valid_request_not_called_malformed: a request the document allows may be refused for
    what it means (2004 unknown recipients, 1404 no such message), never as malformed: 1000
    (invalid JSON), 1001 (validation error) or 1003 (content type);
  - validation_error_names_the_field: a 1001 answer names the field at fault (one the document
    describes for this operation, or an unknown one the request sent).
"""
import json

import schemathesis

# code -> the HTTP statuses it comes with (README "Answers", jsonapi/validation.py CODES)
STATUSES = {
    0: {200}, 1000: {400}, 1001: {400}, 1002: {413}, 1003: {415}, 1401: {401}, 1403: {403}, 1404: {404},
    1405: {405}, 1409: {409}, 1500: {500}, 2001: {502}, 2002: {502}, 2003: {502},
    2004: {400, 502}, 2005: {400, 502}, 2006: {502},
}
MALFORMED = {1000, 1001, 1003}


def envelope(response):
    """The answer's envelope, or None when it is not JSON (another check reports that)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def generated_positive(case):
    """The request was generated from the document as valid (not negative data, not a method the
    operation does not take)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return False
    return case.method.upper() == case.operation.method.upper()


def documented_names(case):
    """Names of the operation's parameters and body properties, nested ones included."""
    names = set()
    definition = case.operation.definition.raw
    for parameter in definition.get("parameters", []):
        names.add(parameter.get("name"))
    content = (definition.get("requestBody") or {}).get("content", {})
    stack = [media.get("schema", {}) for media in content.values()]
    while stack:
        schema = stack.pop()
        if isinstance(schema, dict):
            names.update((schema.get("properties") or {}).keys())
            stack.extend(v for v in schema.values() if isinstance(v, (dict, list)))
        elif isinstance(schema, list):
            stack.extend(schema)
    return {name for name in names if name}


def sent_names(case):
    names = set(case.query or {}) | set(case.path_parameters or {})
    if isinstance(case.body, dict):
        names |= {key for key in case.body if isinstance(key, str)}
    return names


@schemathesis.check
def error_code_matches_status(ctx, response, case):
    body = envelope(response)
    if body is None:
        return None
    if set(body) != {"code", "message", "data"}:
        raise AssertionError("Not the {code, message, data} envelope: keys %s" % sorted(body))
    code = body["code"]
    if code not in STATUSES:
        raise AssertionError("Unknown code %r" % (code,))
    if response.status_code not in STATUSES[code]:
        raise AssertionError("Code %s answered with HTTP %s, expected %s"
                             % (code, response.status_code, " or ".join(map(str, sorted(STATUSES[code])))))
    if code != 0 and body["data"] is not None:
        raise AssertionError("An error (code %s) with data" % code)
    return None


@schemathesis.check
def schema_valid_request_not_called_malformed(ctx, response, case):
    body = envelope(response)
    if body is None or body.get("code") not in MALFORMED or not generated_positive(case):
        return None
    raise AssertionError("A request the document allows was refused as malformed (code %s): %s"
                         % (body["code"], body.get("message")))


@schemathesis.check
def validation_error_names_the_field(ctx, response, case):
    body = envelope(response)
    if body is None or body.get("code") != 1001:
        return None
    message = body.get("message") or ""
    names = documented_names(case) | sent_names(case)
    if not any(name in message for name in names):
        raise AssertionError("A validation error (1001) that names no field of the request: %r" % message)
    return None
