from django.contrib import admin
from django.urls import include, path

from ropeteam.api.main import api
from ropeteam.core import health
from ropeteam.escalation.health import readyz

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("ropeteam.web.urls")),
]
