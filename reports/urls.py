from django.urls import path

from reports import updates, views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("<slug:slug>/", views.report_organization, name="organization"),
    path("<slug:slug>/gifts.csv", views.report_csv, name="csv"),
    path("<slug:slug>/updates/", updates.update_list, name="updates"),
    path("<slug:slug>/updates/new/", updates.update_new, name="update_new"),
    path("<slug:slug>/updates/photos/<int:pk>/", updates.update_photo, name="update_photo"),
]
