from django.http import HttpResponse


def workbench(request):
    return HttpResponse("ok")


def login_view(request):
    return HttpResponse("login")


def logout_view(request):
    return HttpResponse("logout")


def password_change(request):
    return HttpResponse("pw")
