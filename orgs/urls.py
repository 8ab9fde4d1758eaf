from django.urls import path

from orgs import views

app_name = "orgs"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("situation/", views.situation, name="situation"),
    path("organizations/<slug:slug>/", views.profile, name="profile"),
]
