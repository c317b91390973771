from django.core.wsgi import get_wsgi_application

from kepuqingcheng import entrypoint

entrypoint.configure()
entrypoint.load_settings()

application = get_wsgi_application()
