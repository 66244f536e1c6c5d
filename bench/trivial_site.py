"""The page-speed baseline: Django serving 12 kB from a view, no middleware, no database.

bench/pages.py runs it under the same gunicorn command as `dailypapers serve --prod`, so each
page's req/s divided by this one's is what the site costs over Django itself (issue 12).
"""

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

BODY = b"x" * 12 * 1024


def trivial(request):
    return HttpResponse(BODY)


urlpatterns = [path("", trivial)]
application = get_wsgi_application()
