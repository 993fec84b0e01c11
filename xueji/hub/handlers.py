"""What each kind of message does on arrival: domain apps register a handler per kind (the hub imports none of
them), from their AppConfig.ready:

    from xueji.hub.handlers import register_handler

    register_handler("transfers.filed", transfer_filed_received, label=_("Cross-province transfer filed"))

A handler is called as `fn(message)` with the parsed `envelope.Envelope`, inside the transaction that marks the
message applied: what it writes commits with that, or not at all. It refuses by raising a XuejiError (the message is
refused with its code; its writes are rolled back, and nothing is sent by itself: a handler that wants to answer
"no" to the sender sends a reply message with `services.message_send` and returns). Any other exception is taken as
a passing failure: the message stays received and is tried again later. Handlers must be idempotent in effect the
same way the hub is: they are called once per message, but a reply they send may cross a retry of the peer's.

A question another province asks and waits for (a lookup: `services.hub_ask`) is answered by a query handler,
registered the same way with `register_query(kind, fn, label=)`: `fn(query)` is called with the parsed
`envelope.Query` and returns the answer, a plain JSON object; it refuses by raising a XuejiError (the asker gets
its code). A query handler only reads: nothing it does is kept by the hub."""

from collections.abc import Callable
from dataclasses import dataclass

from xueji.hub.envelope import check_kind

Handler = Callable[..., None]


@dataclass(frozen=True)
class Registered:
    kind: str
    fn: Handler
    label: object  # a lazy translation, rendered in the reader's language


_handlers: dict[str, Registered] = {}


def register_handler(kind: str, fn: Handler, *, label: object = "", replace: bool = False) -> None:
    """Register what messages of `kind` do here. A second, different handler for a kind is refused unless
    `replace` (tests): two apps claiming one kind is a bug to see at start-up, not a silent override."""
    check_kind(kind)
    existing = _handlers.get(kind)
    if existing is not None and existing.fn is not fn and not replace:
        raise ValueError(f"a handler for {kind} is registered already ({existing.fn!r})")
    _handlers[kind] = Registered(kind=kind, fn=fn, label=label or kind)


def unregister_handler(kind: str) -> None:
    _handlers.pop(kind, None)


def handler_for(kind: str) -> Handler | None:
    registered = _handlers.get(kind)
    return registered.fn if registered else None


def kinds() -> list[str]:
    return sorted(_handlers)


def kind_label(kind: str) -> str:
    registered = _handlers.get(kind)
    return str(registered.label) if registered else kind


_queries: dict[str, Registered] = {}


def register_query(kind: str, fn: Handler, *, label: object = "", replace: bool = False) -> None:
    """Register what answers questions of `kind` here (the same rules as `register_handler`)."""
    check_kind(kind)
    existing = _queries.get(kind)
    if existing is not None and existing.fn is not fn and not replace:
        raise ValueError(f"a query handler for {kind} is registered already ({existing.fn!r})")
    _queries[kind] = Registered(kind=kind, fn=fn, label=label or kind)


def query_handler_for(kind: str) -> Handler | None:
    registered = _queries.get(kind)
    return registered.fn if registered else None
