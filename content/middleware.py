from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .review import ReviewRefused


class ReviewRefusalMiddleware:
    """Answers a refused review approval with its reason (a 403), from whichever admin view or
    forged request it came. Wagtail's admin turns a PermissionDenied into a redirect with a
    generic message, which would hide why; ``ReviewRefused`` is therefore its own exception."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ReviewRefused):
            return None
        reason = str(exception)
        if request.headers.get("x-requested-with") == "XMLHttpRequest":
            return JsonResponse({"error": reason}, status=403)
        response = TemplateResponse(
            request,
            "content/admin/refused.html",
            {
                "reason": reason,
                "page_title": _("审核未通过"),
                "header_title": _("不能执行此审核操作"),
                "header_icon": "warning",
                "back_url": request.headers.get("referer", "/admin/"),
            },
            status=403,
        )
        return response.render()
