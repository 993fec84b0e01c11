"""One page-size rule for every list, page and API alike: bulk data leaves only through audited exports."""

from django.conf import settings


def max_page_size() -> int:
    return max(1, settings.XUEJI_MAX_PAGE_SIZE)


def capped_page_size(requested: int) -> int:
    """The page size a list may serve for `requested` rows: at least 1, at most XUEJI_MAX_PAGE_SIZE."""
    return min(max(1, requested), max_page_size())
