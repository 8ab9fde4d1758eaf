from django.urls import path

from donations import views, webhooks

app_name = "donations"

urlpatterns = [
    path("give/<slug:slug>/", views.give, name="give"),
    path("pledges/<str:reference>/checkout/", views.retry, name="retry"),
    path("thanks/", views.thanks, name="thanks"),
    path("cancelled/<str:reference>/", views.cancelled, name="cancelled"),
    path("monthly/stop/<str:token>/", views.stop_monthly, name="stop_monthly"),
    path("updates/stop/<str:token>/", views.stop_updates, name="stop_updates"),
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
