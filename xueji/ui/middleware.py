"""Web-page middleware."""


class ChineseFirstMiddleware:
    """Web pages are Chinese unless the user picked another language in the switch (the language cookie).

    Browsers send Accept-Language from the operating system's settings: an English Windows in a Chinese school
    office would otherwise get English pages. So the header is ignored for web pages (LocaleMiddleware then falls
    back to the cookie, else LANGUAGE_CODE). API clients keep content negotiation: /api/ paths are untouched.
    Must sit before django.middleware.locale.LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
