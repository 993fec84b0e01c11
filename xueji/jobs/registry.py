"""Job kinds: each app registers the functions that do its long work, and optionally what a rerun starts from and
what to do when the reaper finds one of its jobs interrupted. Apps also register periodic work (`register_periodic`),
work of the system that no user starts: the worker's maintenance thread runs it every minute, and so does
`manage.py jobs_maintain` (e.g. the hub delivers and processes the messages between provinces that wait)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[["JobContext"], Any]  # noqa: F821
# rerun(job, actor) -> the new job, started with job_start(..., rerun_of=job) (e.g. a new import batch over the
# kept upload); without a hook the rerun is the same kind with the same params
RerunHook = Callable[[Any, Any], Any]
# interrupted(job) -> None: mark the kind's own rows (e.g. the import batch) as interrupted
InterruptHook = Callable[[Any], None]
# cleanup(cutoff) -> number of files removed: input files of interrupted jobs kept for a rerun, now expired
CleanupHook = Callable[[Any], int]


@dataclass
class Kind:
    handler: Handler
    rerun: RerunHook | None = None
    interrupted: InterruptHook | None = None
    cleanup: CleanupHook | None = None


_handlers: dict[str, Handler] = {}
_hooks: dict[str, Kind] = {}


def job_handler(kind: str, *, rerun: RerunHook | None = None, interrupted: InterruptHook | None = None,
                cleanup: CleanupHook | None = None) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers[kind] = fn
        _hooks[kind] = Kind(handler=fn, rerun=rerun, interrupted=interrupted, cleanup=cleanup)
        return fn

    return register


def handler_for(kind: str) -> Handler:
    return _handlers[kind]


def hooks_for(kind: str) -> Kind | None:
    return _hooks.get(kind)


def all_hooks() -> list[Kind]:
    return list(_hooks.values())


def kinds() -> list[str]:
    return sorted(_handlers)


# Periodic work of other apps that the worker's maintenance thread runs every minute with the reaper (and
# `manage.py jobs_maintain`): name -> fn() returning a small JSON-able summary. A transfer's consent deadline
# (xueji.transfers) is such work. Each must be cheap when there is nothing to do, and idempotent.
_periodic: dict[str, Callable[[], Any]] = {}


def register_periodic(name: str, fn: Callable[[], Any]) -> Callable[[], Any]:
    _periodic[name] = fn
    return fn


def periodic() -> dict[str, Callable[[], Any]]:
    return dict(_periodic)


# Work of other apps that each job worker process runs once when it starts, before its first maintenance round
# (xueji.ops verifies the machine's files against their manifest: 可信验证 at start). name -> fn(); a failure is
# logged and the worker goes on.
_startup: dict[str, Callable[[], Any]] = {}


def register_startup(name: str, fn: Callable[[], Any]) -> Callable[[], Any]:
    _startup[name] = fn
    return fn


def startup() -> dict[str, Callable[[], Any]]:
    return dict(_startup)
