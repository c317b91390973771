from urllib.parse import unquote_to_bytes

from django.http import HttpResponseBadRequest, JsonResponse


class RejectNulBytesMiddleware:
    """Answer 400 to a NUL character in the path or query string.

    No legitimate link or form of ours carries one, and PostgreSQL refuses it in text values,
    so letting it through would turn a malformed request into a server error deep in a query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or b"\x00" in unquote_to_bytes(query.replace("+", " ")):
            message = "请求包含非法字符 (NUL)。"
            if request.path.startswith("/api/"):
                # The API's clients parse JSON errors (same shape as kepuqingcheng.api).
                return JsonResponse({"error": "invalid request", "detail": [message]}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
