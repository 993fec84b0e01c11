"""Checks of the actor that the apps above the engine register (持证上岗: the training app's "registrars must hold a
valid certificate"): asked once, here, whenever someone files, resubmits or approves a request. The engine knows
none of them; an app registers its check at ready() (`register_gate`), the way request types register themselves.

A gate is `fn(*, actor, action, role) -> None`: `action` is "file" or "approve", `role` the role the actor acts
in (the filer's role, or the step's); it raises a domain error (Forbidden) with the precise reason to refuse."""

from collections.abc import Callable

Gate = Callable[..., None]
_GATES: dict[str, Gate] = {}

FILE = "file"
APPROVE = "approve"


def register_gate(name: str, gate: Gate) -> None:
    """Register (or replace, by name) a check of the actor."""
    _GATES[name] = gate


def require_gates(*, actor, action: str, role: str) -> None:
    for gate in _GATES.values():
        gate(actor=actor, action=action, role=role)
