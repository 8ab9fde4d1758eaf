"""The donor's side of giving: thin views over donations.services."""

import functools
import logging
import uuid

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import ratelimit
from common.client import client_ip
from common.money import format_money
from common.pagecache import public_page
from donations import selectors
from donations import stripe_gateway as gateway
from donations.forms import GiveForm
from donations.models import Frequency, Pledge, PledgeStatus, PledgeTransition
from donations.payment_methods import payment_method_labels
from donations.services import fulfilment
from donations.services.pledges import (
    FormAlreadyUsed,
    pledge_abandon,
    pledge_checkout,
    pledge_start,
    pledge_stop_monthly,
)
from donations.services.updates import updates_unsubscribe
from donations.tasks import stop_token_reference, updates_token_reference
from orgs import selectors as directory
from orgs.models import Organization
from orgs.updates.selectors import update_list_published

logger = logging.getLogger(__name__)
MY_PLEDGES = "my_pledges"
RETRY_SALT = "donations.retry-checkout"
RETRY_MAX_AGE = 24 * 3600


def _bounded_wait_on_stripe(view):
    """A donor's request waits on Stripe at most STRIPE_DONOR_WAIT_SECONDS in all (then "try again", the pledge
    kept): a slow Stripe never ties up the worker thread that serves everyone else."""

    @functools.wraps(view)
    def bounded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with gateway.deadline(settings.STRIPE_DONOR_WAIT_SECONDS):
            return view(request, *args, **kwargs)

    return bounded


def _remember(request: HttpRequest, pledge: Pledge) -> None:
    """This browser made this pledge: only it may see the pledge's details on return pages."""
    references = [ref for ref in request.session.get(MY_PLEDGES, []) if ref != pledge.reference]
    request.session[MY_PLEDGES] = (references + [pledge.reference])[-20:]


def _mine(request: HttpRequest, reference: str | None) -> Pledge | None:
    if not reference or reference not in request.session.get(MY_PLEDGES, []):
        return None
    return Pledge.objects.select_related("organization", "program").filter(reference=reference).first()


def _giving_organization(slug: str) -> Organization:
    return get_object_or_404(
        Organization.objects.published().filter(accepts_gifts=True).prefetch_related("programs"), slug=slug
    )


def _checkout_or_retry(request: HttpRequest, pledge: Pledge) -> HttpResponse:
    try:
        url = pledge_checkout(pledge=pledge, base_url=request.build_absolute_uri("/"))
    except (gateway.StripeUnavailable, gateway.StripeRejected) as exc:
        rejected = isinstance(exc, gateway.StripeRejected)
        if rejected:
            logger.error("stripe refused the checkout session of pledge %s (%s)", pledge.reference, exc.code)
        # A 5xx answer sets no session cookie, so the retry button carries a signed proof of whose pledge it is.
        token = signing.dumps(pledge.reference, salt=RETRY_SALT)
        context = {"pledge": pledge, "rejected": rejected, "token": token}
        return render(request, "donations/unavailable.html", context, status=502 if rejected else 503)
    return HttpResponseRedirect(url, status=303)


def _form_page(request: HttpRequest, organization: Organization, form: GiveForm, status: int = 200) -> HttpResponse:
    """The profile with the Give box showing this form (after an error, "Change something" or a currency switch)."""
    return render(request, "orgs/profile.html", {"organization": organization, "give_form": form}, status=status)


def _resent(request: HttpRequest, organization: Organization) -> GiveForm:
    """The confirmed form back as the donor filled it in, with a fresh key, for sending again."""
    data = request.POST.copy()
    data["submission_key"] = uuid.uuid4().hex
    data.pop("confirm", None)
    form = GiveForm(data, organization=organization, currency_code=data.get("currency"))
    form.is_valid()
    return form


def _too_many(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Refused by a rate limit: nothing saved, the form kept as typed, and when to try again. When the limiter's
    cache cannot be reached, the brakes fail closed: giving pauses for a moment (503), the form kept the same way."""
    if not ratelimit.reachable():
        context = {"organization": organization, "give_form": _resent(request, organization)}
        response = render(request, "donations/paused.html", context, status=503)
        response["Retry-After"] = "60"
        return response
    wait = ratelimit.retry_after()
    context = {"organization": organization, "give_form": _resent(request, organization), "minutes": -(-wait // 60)}
    response = render(request, "donations/too_many.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


def _allowed(request: HttpRequest, email: str) -> bool:
    """The card-testing brakes: a few starts per email; more per address, which many donors may share."""
    return ratelimit.hit("email", email, limit=settings.PLEDGE_RATE_LIMIT) and ratelimit.hit(
        "ip", client_ip(request), limit=settings.PLEDGE_RATE_LIMIT_PER_ADDRESS
    )


def _with_submission_key(request: HttpRequest):
    """The posted form, with a key of its own for this gift when it has none yet (it came from the blank form on
    the cached public page); the confirmation must bring back the key its review page gave it."""
    data = request.POST
    if data.get("submission_key") or "confirm" in data:
        return data
    data = data.copy()
    data["submission_key"] = uuid.uuid4().hex
    return data


# The Give form on a public page carries no CSRF token, so that page is the same for every visitor (and cached):
# its steps before the confirmation (review, "Change something", a currency switch) write nothing. The review page
# carries the token, and the confirmation, which starts a pledge, is checked as strictly as any other POST.
@csrf_exempt
@_bounded_wait_on_stripe
def give(request: HttpRequest, slug: str) -> HttpResponse:
    return (_give_confirmed if "confirm" in request.POST else _give)(request, slug)


@require_POST
def _give(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _giving_organization(slug)
    data = _with_submission_key(request)
    if "update" in data:  # a currency button: the same form in that currency, as typed
        return _form_page(
            request,
            organization,
            GiveForm.switched(data, organization=organization, currency_code=data["update"]),
        )
    form = GiveForm(data, organization=organization, currency_code=data.get("currency"))
    if not form.is_valid() or "edit" in request.POST:
        return _form_page(request, organization, form, status=200 if form.is_valid() else 400)
    if "confirm" not in request.POST:
        gift, fee, code = form.cleaned_data["gift_amount"], form.fee, form.cleaned_data["currency"]
        return render(
            request,
            "donations/review.html",
            {
                "organization": organization,
                "form": form,
                "fee": fee,
                "gift_display": format_money(gift, code),
                "fee_display": format_money(fee, code),
                "total_display": format_money(gift + fee, code),
                "payment_methods": payment_method_labels(
                    currency=code, amount=gift + fee, monthly=form.cleaned_data["frequency"] == Frequency.MONTHLY
                ),
            },
        )
    if not _allowed(request, form.cleaned_data["donor_email"]):
        return _too_many(request, organization)
    try:
        pledge = pledge_start(gift=form.gift(language=translation.get_language() or ""))
    except FormAlreadyUsed:
        fresh = _resent(request, organization)
        fresh.add_error(None, _("This form was already sent for another gift. Check the details and send it again."))
        return _form_page(request, organization, fresh, status=409)
    _remember(request, pledge)
    return _checkout_or_retry(request, pledge)


_give_confirmed = csrf_protect(_give)


@require_POST
@_bounded_wait_on_stripe
def retry(request: HttpRequest, reference: str) -> HttpResponse:
    """Try Checkout again for a pledge whose first try failed; the same idempotency key gives one session."""
    try:
        signed = signing.loads(request.POST.get("token", ""), salt=RETRY_SALT, max_age=RETRY_MAX_AGE)
    except signing.BadSignature:
        signed = None
    pledge = Pledge.objects.select_related("organization").filter(reference=reference).first()
    if signed != reference or pledge is None or pledge.status != PledgeStatus.PENDING:
        return redirect("orgs:directory")
    _remember(request, pledge)
    return _checkout_or_retry(request, pledge)


@public_page
def program(request: HttpRequest, slug: str, program_slug: str) -> HttpResponse:
    """A program's page: what it does, where, its goals with the portal's own progress, and the Give form set to it.

    Served by donations, not orgs, because the progress counts the portal's payments (orgs never imports donations);
    its address sits beside the profile's in config/urls.py."""
    item = directory.program_detail(slug=slug, program_slug=program_slug, include_unpublished=request.user.is_staff)
    progress = selectors.program_progress(program=item)
    return render(
        request,
        "donations/program.html",
        {
            "program": item,
            "organization": item.organization,
            "progress": progress,
            "program_outcomes": [o for o in item.organization.published_outcomes if o.program_id == item.pk],
            "updates": update_list_published(organization=item.organization, program=item),
        },
    )


@require_GET
@never_cache
@_bounded_wait_on_stripe
def thanks(request: HttpRequest) -> HttpResponse:
    """Stripe's success_url. Applies the session (same function as the webhook); shows details only to the giver."""
    session_id = request.GET.get("session_id", "")[:255]
    pledge = None
    confirmed = False
    if session_id.startswith("cs_"):
        try:
            session = gateway.checkout_session_retrieve(session_id)
            fulfilment.checkout_session_apply(session=session, source=PledgeTransition.Source.RETURN_PAGE)
            pledge = _mine(request, session.reference)
            confirmed = True
        except (gateway.StripeUnavailable, gateway.StripeRejected) as exc:
            logger.info("thanks page: session %s not retrieved (%s)", session_id, type(exc).__name__)
    return render(
        request,
        "donations/thanks.html",
        {
            "pledge": pledge,
            "confirmed": confirmed,
            "next_steps": selectors.after_gift(pledge=pledge) if pledge else None,
        },
    )


@require_GET
@never_cache
@_bounded_wait_on_stripe
def cancelled(request: HttpRequest, reference: str) -> HttpResponse:
    """Stripe's cancel_url: nothing was charged; the form comes back filled in."""
    pledge = _mine(request, reference)
    form = None
    if pledge is not None:
        pledge_abandon(pledge=pledge, source=PledgeTransition.Source.DONOR)
        if pledge.organization.accepts_gifts and pledge.organization.published:
            form = GiveForm(
                initial=GiveForm.initial_from(pledge), organization=pledge.organization, currency_code=pledge.currency
            )
    return render(request, "donations/cancelled.html", {"pledge": pledge, "give_form": form})


@require_http_methods(["GET", "POST"])
@never_cache
@_bounded_wait_on_stripe
def stop_monthly(request: HttpRequest, token: str) -> HttpResponse:
    """A monthly donor stops the gift from the signed link in a receipt, without an account."""
    reference = stop_token_reference(token)
    pledge = get_object_or_404(
        Pledge.objects.select_related("organization"), reference=reference or "", frequency="monthly"
    )
    error = None
    if request.method == "POST" and pledge.status != PledgeStatus.CANCELED:
        try:
            pledge_stop_monthly(pledge=pledge, source=PledgeTransition.Source.DONOR)
        except (gateway.StripeUnavailable, gateway.StripeRejected):
            error = True
    return render(
        request, "donations/stop_monthly.html", {"pledge": pledge, "error": error}, status=503 if error else 200
    )


@require_http_methods(["GET", "POST"])
@never_cache
def stop_updates(request: HttpRequest, token: str) -> HttpResponse:
    """A donor stops an organization's updates from the signed link in an update email (a button, so that a mail
    scanner opening the link changes nothing)."""
    reference = updates_token_reference(token)
    pledge = get_object_or_404(Pledge.objects.select_related("organization"), reference=reference or "")
    stopped = False
    if request.method == "POST":
        updates_unsubscribe(pledge=pledge)
        stopped = True
    return render(request, "donations/stop_updates.html", {"organization": pledge.organization, "stopped": stopped})
