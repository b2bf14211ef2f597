"""Schemathesis hooks for scripts/schemathesis (loaded through SCHEMATHESIS_HOOKS).

- A serializer for the import upload (`application/x-ndjson`, documented as a string).
- Known ids for path parameters: random ids only ever reach "not found", so half of the
  generated cases for `GET /api/v1/reports/{id}`, `/entities/{id}`, ... use an id that
  exists in the demo data (some visible to the caller, some not). The script passes them
  in MOSAIC_ST_IDS as JSON: {"GET /api/v1/reports/{id}": ["demo-ncc:rep:…", …], …}.
- Submissions for the caller's agency: a generated report names a random agency, which
  is refused (403) before anything is stored; half of the generated report bodies are
  sent for MOSAIC_ST_AGENCY instead, without an explicit id, so that schema-valid reports
  reach validation and the store.
"""

import json
import os

import schemathesis
from hypothesis import strategies as st

KNOWN_IDS = json.loads(os.environ.get("MOSAIC_ST_IDS") or "{}")
AGENCY = os.environ.get("MOSAIC_ST_AGENCY")


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    """Strings go on the wire as they are; anything else as one JSON line."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return json.dumps(value).encode() + b"\n"


@schemathesis.hook
def flatmap_path_parameters(ctx, params):
    op = ctx.operation
    known = KNOWN_IDS.get(op.label) if op is not None else None
    if not known or not isinstance(params, dict) or "id" not in params:
        return st.just(params)
    return st.one_of(
        st.just(params),
        st.sampled_from(known).map(_WithId(params)),
    )


class _WithId:
    """`params` with the id replaced. A class, not a lambda: Hypothesis describes lambdas
    by parsing their source with `ast`, which on CPython 3.11 is not safe to do from
    several threads at once ("AST constructor recursion depth mismatch")."""

    def __init__(self, params):
        self.params = params

    def __call__(self, i):
        return {**self.params, "id": i}

    def __repr__(self):
        return "with_known_id"


@schemathesis.hook
def flatmap_body(ctx, body):
    op = ctx.operation
    if not AGENCY or op is None or op.label != "POST /api/v1/reports" or not isinstance(body, dict):
        return st.just(body)
    own = {k: v for k, v in body.items() if k != "id"}
    own["agency"] = AGENCY
    return st.one_of(st.just(body), st.just(own))
