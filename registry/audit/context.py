"""Where the current write comes from: a request, a Celery task or a management command.

Set once at the edge (middleware, task prelude, command), read by the audit writer, so no
service has to pass it along.
"""

import contextlib
import contextvars
from collections.abc import Iterator

_source: contextvars.ContextVar[str] = contextvars.ContextVar("audit_source", default="")


def current_source() -> str:
    return _source.get()


@contextlib.contextmanager
def audit_source(source: str) -> Iterator[None]:
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def set_source(source: str) -> contextvars.Token[str]:
    """Set the source outside a ``with`` block (Celery's prerun/postrun signals); pair with
    ``reset_source``."""
    return _source.set(source)


def reset_source(token: contextvars.Token[str]) -> None:
    _source.reset(token)
