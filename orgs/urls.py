from django.urls import path

from orgs import views
from orgs.updates import views as update_views

app_name = "orgs"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("situation/", views.situation, name="situation"),
    path("organizations/<slug:slug>/", views.profile, name="profile"),
    path("updates/photos/<int:pk>/", update_views.update_photo, name="update_photo"),
]
