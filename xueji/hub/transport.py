"""How a message reaches the other province: the one seam the national-hub issue replaces.

A transport is a class with one method, chosen by the setting XUEJI_HUB_TRANSPORT (a dotted path; default
`xueji.hub.transport.LocalTransport`), and made anew for each delivery run:

    class Transport(Protocol):
        def deliver(self, message: dict) -> None: ...
        def ask(self, query: dict) -> dict: ...

`message` is the envelope in its wire shape (a JSON object: hub/README.md). `deliver` returns once the receiving
side holds the message; it raises a XuejiError when the receiving side refused the envelope (its `code` is
recorded on the outbox row: bad_schema, unknown_message_kind, wrong_receiver ...), and any other exception when it
could not be reached. Either way the message stays pending and is delivered again later, so the receiving side must
be (and is: `services.inbox_receive`) idempotent on the message's key. Nothing else of the hub depends on where
the receiver lives: an HTTP transport posting the envelope to the national hub, and the hub's endpoint calling
`inbox_receive` on the receiving province's side, change no sender and no handler.

`ask` carries a question (a lookup) and returns its answer, both in their wire shape (hub/README.md, "Questions"):
`query_answer` on the receiving side gives the answer; a XuejiError is the receiving side's refusal (its code),
any other exception means it could not be reached (`services.hub_ask` answers `peer_unreachable`)."""

import json
from typing import Any, Protocol

from xueji.hub.services import inbox_receive, query_answer


class Transport(Protocol):
    def deliver(self, message: dict[str, Any]) -> None: ...

    def ask(self, query: dict[str, Any]) -> dict[str, Any]: ...


class LocalTransport:
    """Both provinces in this database: the receiver's inbox is a table here, written in the delivery's savepoint
    (so a message is marked sent exactly when its inbox row is written). The envelope goes through JSON on the way,
    as it would over the wire: what a later transport carries is what this one tested."""

    def deliver(self, message: dict[str, Any]) -> None:
        inbox_receive(message=json.loads(json.dumps(message, ensure_ascii=False)))

    def ask(self, query: dict[str, Any]) -> dict[str, Any]:
        """The receiving side answers here, both ways through JSON (as over the wire)."""
        answer = query_answer(query=json.loads(json.dumps(query, ensure_ascii=False)))
        return json.loads(json.dumps(answer, ensure_ascii=False))
