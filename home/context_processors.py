from django.conf import settings


def reading_mode(request):
    mode = request.COOKIES.get(settings.READING_MODE_COOKIE, "standard")
    if mode not in settings.READING_MODES:
        mode = "standard"
    return {"reading_mode": mode}
