from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language picker
    path("api/", include("kyc.api.urls")),
    path("review/", include("kyc.views.reviewer")),
    path("", include("kyc.views.applicant")),
]
