from django.core.asgi import get_asgi_application

from kepuqingcheng import entrypoint

entrypoint.configure()
entrypoint.load_settings()

application = get_asgi_application()
