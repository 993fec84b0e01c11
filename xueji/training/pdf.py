"""The certificate as PDF, laid out by WeasyPrint from an HTML template (`training/certificate_pdf.html`), as the
record card is (xueji/registry/ui/card.py): pango shapes the Chinese text with the system's Noto CJK fonts and embeds
a subset, so the file prints the same anywhere. It carries the verification code and the public page's address."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from xueji.core import clock
from xueji.training import services


def certificate_html(*, certificate, verify_url: str) -> str:
    return render_to_string("training/certificate_pdf.html", {
        "certificate": certificate, "holder": certificate.user, "course": certificate.course,
        "verify_url": verify_url, "printed_at": clock.now()})


def certificate_pdf(*, certificate, verify_url: str) -> bytes:
    from weasyprint import HTML  # imported on first use: it loads pango and the fonts

    return HTML(string=certificate_html(certificate=certificate, verify_url=verify_url)).write_pdf()


def certificate_response(request, certificate) -> HttpResponse:
    """The PDF of a certificate the selector let the user see; the download is audited."""
    services.certificate_download(actor=request.user, certificate=certificate)
    verify_url = request.build_absolute_uri(reverse("training:verify")) + f"?code={certificate.code}"
    response = HttpResponse(certificate_pdf(certificate=certificate, verify_url=verify_url),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.number}.pdf"'
    return response
