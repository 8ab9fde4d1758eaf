from django.conf import settings


def stripe_mode(request) -> dict:
    """Every page says so when no real money can move (the local Stripe sandbox)."""
    return {"stripe_test_mode": settings.STRIPE_SANDBOX or settings.STRIPE_API_KEY.startswith("sk_test_")}
