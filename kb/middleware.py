"""Request checks that belong before any view."""

from django.http import HttpResponseBadRequest, JsonResponse

NUL = "\x00"


class RefuseNulCharacters:
    """A NUL character cannot be stored or searched for in PostgreSQL: refuse it at the door with a 400 that says so,
    instead of failing deep inside a query."""

    MESSAGE = "The query string contains a NUL character (%00), which no search or filter can use."

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(NUL in name or any(NUL in value for value in values) for name, values in request.GET.lists()):
            if request.path.startswith("/api/"):
                return JsonResponse({"query": [self.MESSAGE]}, status=400)
            return HttpResponseBadRequest(self.MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
