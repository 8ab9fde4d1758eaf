from django.urls import path

from donations import donor_views, views, webhooks

app_name = "donations"

urlpatterns = [
    path("give/<slug:slug>/", views.give, name="give"),
    path("pledges/<str:reference>/checkout/", views.retry, name="retry"),
    path("thanks/", views.thanks, name="thanks"),
    path("cancelled/<str:reference>/", views.cancelled, name="cancelled"),
    path("monthly/stop/<str:token>/", views.stop_monthly, name="stop_monthly"),
    path("updates/stop/<str:token>/", views.stop_updates, name="stop_updates"),
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
    path("mine/", donor_views.mine, name="mine"),
    path("mine/sent/", donor_views.mine_sent, name="mine_sent"),
    path("mine/open/<str:token>/", donor_views.mine_open, name="mine_open"),
    path("mine/signout/", donor_views.mine_signout, name="mine_signout"),
    path("mine/gifts/", donor_views.mine_gifts, name="mine_gifts"),
    path("mine/gifts/<str:reference>/amount/", donor_views.mine_amount, name="mine_amount"),
    path("mine/gifts/<str:reference>/pause/", donor_views.mine_pause, name="mine_pause"),
    path("mine/gifts/<str:reference>/resume/", donor_views.mine_resume, name="mine_resume"),
    path("mine/gifts/<str:reference>/stop/", donor_views.mine_stop, name="mine_stop"),
    path("mine/gifts/<str:reference>/card/", donor_views.mine_card, name="mine_card"),
    path("mine/gifts/<str:reference>/card/done/", donor_views.mine_card_done, name="mine_card_done"),
    path("mine/gifts/<str:reference>/sharing/", donor_views.mine_sharing, name="mine_sharing"),
    path("mine/receipts/<int:payment_id>/", donor_views.mine_receipt, name="mine_receipt"),
    path("mine/statements/<int:year>/<slug:slug>/", donor_views.mine_statement, name="mine_statement"),
    path("mine/erase/", donor_views.mine_erase, name="mine_erase"),
]
