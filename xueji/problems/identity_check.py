"""Verifying a corrected record again (更正后重新核查).

The check against the population register belongs to verification, which sits above problems (it files the
ID-error problems and issues the cleared pupils' numbers through them). It registers its check here when it starts,
so an approved correction runs it without problems importing verification."""

from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured

_check: Callable[..., dict] | None = None


def identity_check_register(check: Callable[..., dict]) -> Callable[..., dict]:
    """Name the function that checks records against the register (keyword arguments: student_ids, actor,
    resolution); the last one registered wins."""
    global _check
    _check = check
    return check


def identity_check(*, student_ids: Iterable[int], actor, resolution: str) -> dict:
    if _check is None:
        raise ImproperlyConfigured("No identity check is registered: is the verification app installed?")
    return _check(student_ids=student_ids, actor=actor, resolution=resolution)
