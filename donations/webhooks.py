"""POST /donations/stripe/webhook/: Stripe's events, verified on the raw body."""

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from donations import stripe_gateway as gateway
from donations.models import PledgeTransition
from donations.services.events import event_process, event_record_unprocessable

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        event = gateway.webhook_event(request.body, request.headers.get("Stripe-Signature"))
    except gateway.InvalidWebhook as exc:
        logger.warning("stripe webhook refused: %s", exc)
        return JsonResponse({"error": "invalid signature or payload"}, status=400)
    except gateway.UnprocessableEvent as exc:  # signed, so Stripe's; recorded, answered 200: no retries for days
        outcome = event_record_unprocessable(event=exc.event, reason=exc.reason)
        return JsonResponse({"received": True, "outcome": outcome})
    try:
        outcome = event_process(event=event, source=PledgeTransition.Source.WEBHOOK)
    except Exception:
        logger.exception("stripe webhook %s (%s) failed; Stripe will deliver it again", event.id, event.type)
        return JsonResponse({"error": "could not process the event now"}, status=500)
    return JsonResponse({"received": True, "outcome": outcome})
