"""Log and audit text that no input can forge (control 13, log injection): CR, LF and the other control
characters of a user's input (a username, a search term, a reason) never start a new line of a log or of an audit
view. `one_line` for the values an app writes; `OneLineFilter` on the deployment's log handlers (LOGGING)."""

import logging


def one_line(text, limit: int | None = None) -> str:
    """The text on one line: every control character (CR, LF, tab, ESC ...) becomes a space, runs collapsed."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())
    return flat[:limit] if limit is not None else flat


def escaped(text: str) -> str:
    """CR and LF (and other control characters) written as visible escapes: the log keeps what was sent."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


class OneLineFilter(logging.Filter):
    """Each log record one line: its message with CR, LF and other control characters escaped (`\\r`, `\\n`), so
    a username such as "x\\r\\nINFO admin logged in" cannot write a forged line. Tracebacks stay as they are."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001  (a malformed record is logging's to report, not ours)
            return True
        if not all(c.isprintable() or c == " " for c in message):
            record.msg, record.args = escaped(message), None
        return True
