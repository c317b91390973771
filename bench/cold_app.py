"""The ASGI application of the benches' servers for "cold" rows (bench/pages.py): the project's
own, bumping the content generation first for requests that carry ``COLD_HEADER``, so that they
render as just after a content change.

Served as ``bench.cold_app:application`` (uvicorn --factory): bench/ is a namespace package, and
this module imports nothing from bench/ since on sys.path itself, bench/search.py would shadow
the search app.
"""

COLD_HEADER = "X-Bench-Cold"


def application():
    """uvicorn --factory: the project's ASGI application, bumping the content generation first
    for requests that carry the cold header (so that they render as after a content change)."""
    from content.generation import bump_generation
    from kepuqingcheng.asgi import application as django_application

    cold = COLD_HEADER.lower().encode()

    async def app(scope, receive, send):
        if scope["type"] == "http" and any(name == cold for name, _ in scope["headers"]):
            bump_generation()
        await django_application(scope, receive, send)

    return app
