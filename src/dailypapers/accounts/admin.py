from django.contrib import admin

from .forms import RateLimitedAdminLoginForm

# /admin/login/ counts failures against the same per-username and per-client keys as the
# site's log-in form, so neither door is a way round the other's limit.
admin.site.login_form = RateLimitedAdminLoginForm
