from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("<slug:slug>/", views.report_organization, name="organization"),
    path("<slug:slug>/gifts.csv", views.report_csv, name="csv"),
]
