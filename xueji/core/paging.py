"""One page-size rule for every list, page and API alike: bulk data leaves only through audited exports."""

from django.conf import settings


def max_page_size() -> int:
    return max(1, settings.XUEJI_MAX_PAGE_SIZE)


def capped_page_size(requested: int) -> int:
    """The page size a list may serve for `requested` rows: at least 1, at most XUEJI_MAX_PAGE_SIZE."""
    return min(max(1, requested), max_page_size())


# A list's total where no summary answers it is counted up to this many rows and shown as "at least N" beyond.
COUNT_CAP = 1000


class Total(int):
    """How many rows a list holds: exact (from summary rows, or a small set counted) or, beyond `COUNT_CAP`, the
    cap with `exact` False (shown as "at least N"; the API's `count` with `count_exact: false`)."""

    exact: bool

    def __new__(cls, n: int, exact: bool = True):
        total = super().__new__(cls, n)
        total.exact = exact
        return total

    def __str__(self) -> str:  # int's own text (str() of an int subclass would call the __repr__ below)
        return int.__repr__(self)

    def __repr__(self) -> str:
        return f"Total({int(self)}, exact={self.exact})"


def capped_count(queryset, cap: int | None = None) -> Total:
    """COUNT over at most cap + 1 rows of `queryset` (the cost of reading cap rows, never of the whole set)."""
    cap = COUNT_CAP if cap is None else cap
    n = queryset.order_by().values("pk")[:cap + 1].count()
    return Total(min(n, cap), exact=n <= cap)
