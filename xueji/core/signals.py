"""Signals that let core announce events to the apps above it without importing them."""

from django.dispatch import Signal

# Sent when the API refuses a signed-in user (403) or hides an object outside their jurisdiction (404).
# Keyword arguments: actor, path, method, status, code. The audit app receives it (audit/apps.py).
access_denied = Signal()
