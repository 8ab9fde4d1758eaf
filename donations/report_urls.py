from django.urls import path

from donations import reports

app_name = "reports"

urlpatterns = [
    path("", reports.report_index, name="index"),
    path("<slug:slug>/", reports.report_organization, name="organization"),
    path("<slug:slug>/gifts.csv", reports.report_csv, name="csv"),
]
