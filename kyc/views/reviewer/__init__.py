"""Reviewer pages: sign-in, queue, case workspace and its actions, evidence export, metrics.

Every page checks the user's role (Django groups and permissions); every action is one call to
an audited service, which enforces the same rules again.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from kyc.views.reviewer import auth, cases, language, metrics, queue

app_name = "reviewer"

urlpatterns = [
    path("login/", auth.StaffLoginView.as_view(), name="login"),
    path("login/verify/", auth.login_verify, name="login_verify"),
    path("logout/", auth_views.LogoutView.as_view(next_page="reviewer:login"), name="logout"),
    path("account/second-factor/", auth.second_factor, name="second_factor"),
    path("account/language/", language.choose_language, name="language"),
    path("", queue.queue, name="queue"),
    path("metrics/", metrics.metrics, name="metrics"),
    path("workload/", queue.workload, name="workload"),
    path("bulk-assign/", queue.bulk_assign, name="bulk_assign"),
    path("cases/<uuid:case_id>/", cases.case_view, name="case"),
    path("cases/<uuid:case_id>/claim/", cases.claim, name="claim"),
    path("cases/<uuid:case_id>/release/", cases.release, name="release"),
    path("cases/<uuid:case_id>/assign/", cases.assign, name="assign"),
    path("cases/<uuid:case_id>/decide/", cases.decide, name="decide"),
    path("cases/<uuid:case_id>/decisions/<int:decision_id>/second-review/", cases.second_review,
         name="second_review"),
    path("cases/<uuid:case_id>/retry-reading/", cases.retry_reading, name="retry_reading"),
    path("cases/<uuid:case_id>/notes/", cases.add_note, name="add_note"),
    path("cases/<uuid:case_id>/evidence.json", cases.export_json, name="export_json"),
    path("cases/<uuid:case_id>/evidence/", cases.export_html, name="export_html"),
    path("cases/<uuid:case_id>/evidence.pdf", cases.export_pdf, name="export_pdf"),
    path("documents/<uuid:document_id>/image/", cases.document_image, name="document_image"),
]
