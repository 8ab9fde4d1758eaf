"""The donor's own page, without an account: `/donations/mine/`. Thin views over donations.services.donor_*,
donations.services.erasure and donations.donor_selectors.

A donor asks for a link with their email; the answer never says whether the address gave. The link opens a
session (the link's row, not the email, is kept in the session) for SESSION_MAX_AGE.
"""

import logging
import uuid

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import ratelimit
from common.client import client_ip
from common.money import AmountError, parse_amount
from donations import donor_selectors as selectors
from donations import stripe_gateway as gateway
from donations.forms import DonorEmailForm
from donations.models import Pledge, PledgeTransition
from donations.services import donor_access, donor_controls, erasure
from donations.services.pledges import pledge_stop_monthly

logger = logging.getLogger(__name__)
SESSION_KEY = "donor_link"


def _email(request: HttpRequest) -> str:
    return donor_access.donor_session_email(request.session.get(SESSION_KEY))


def _signed_in(view):
    """The donor's page and its actions need an open session; otherwise back to the form, which says so."""

    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        email = _email(request)
        if not email:
            request.session.pop(SESSION_KEY, None)
            messages.info(request, _("Your page has closed. Ask for a new link to see your gifts."))
            return redirect("donations:mine")
        return view(request, email, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return never_cache(wrapper)


@require_http_methods(["GET", "POST"])
@never_cache
def mine(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link. The answer is the same whether or not the address gave, and over the email's limit
    nothing more is sent (the page looks the same); over the address's limit, a clear "try later"."""
    if request.method == "GET":
        if _email(request):
            return redirect("donations:mine_gifts")
        return render(request, "donations/mine.html", {"form": DonorEmailForm()})
    form = DonorEmailForm(request.POST)
    if not form.is_valid():
        return render(request, "donations/mine.html", {"form": form}, status=400)
    if not ratelimit.hit("donor-link-ip", client_ip(request), limit=settings.DONOR_LINK_RATE_LIMIT_PER_ADDRESS):
        wait = ratelimit.retry_after()
        form.add_error(
            None,
            _("Too many requests from your network. Please try again in %(minutes)s minutes.")
            % {"minutes": -(-wait // 60)},
        )
        response = render(request, "donations/mine.html", {"form": form}, status=429)
        response["Retry-After"] = str(wait)
        return response
    email = form.cleaned_data["email"]
    if ratelimit.hit("donor-link-email", email, limit=settings.DONOR_LINK_RATE_LIMIT):
        donor_access.donor_link_request(email=email, language=translation.get_language() or "")
    return redirect("donations:mine_sent")


@require_GET
@never_cache
def mine_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "donations/mine_sent.html", {"minutes": donor_access.LINK_MAX_AGE // 60})


@require_http_methods(["GET", "POST"])
@never_cache
def mine_open(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email. A GET only asks to continue (mail scanners that follow links use up nothing);
    the POST uses the link once and opens the page."""
    if request.method == "GET":
        valid = donor_access.donor_link_peek(token=token)
        return render(request, "donations/mine_open.html", {"valid": valid}, status=200 if valid else 400)
    link = donor_access.donor_link_use(token=token)
    if link is None:
        return render(request, "donations/mine_open.html", {"valid": False}, status=400)
    request.session.cycle_key()
    request.session[SESSION_KEY] = link.pk
    request.session.set_expiry(donor_access.SESSION_MAX_AGE)
    return redirect("donations:mine_gifts")


@require_POST
@never_cache
def mine_signout(request: HttpRequest) -> HttpResponse:
    donor_access.donor_session_end(link_id=request.session.pop(SESSION_KEY, None))
    request.session.cycle_key()
    return redirect("donations:mine")


@require_GET
@_signed_in
def mine_gifts(request: HttpRequest, email: str) -> HttpResponse:
    context = {
        "gifts": selectors.donor_gifts(email),
        "statements": selectors.donor_statements(email),
        "attempt": uuid.uuid4().hex,
        "pause_months": donor_controls.PAUSE_MONTHS,
    }
    return render(request, "donations/mine_gifts.html", context)


def _pledge(email: str, reference: str) -> Pledge:
    pledge = selectors.donor_pledge(email, reference)
    if pledge is None:
        raise Http404
    return pledge


def _act(request: HttpRequest, action, done: str, unchanged: str = "") -> HttpResponse:
    """Run a change; say on the page what happened (or that Stripe could not be reached: nothing changed)."""
    try:
        changed = action()
    except donor_controls.NotChangeable:
        messages.error(request, _("This gift cannot take that change."))
        return redirect("donations:mine_gifts")
    except (gateway.StripeUnavailable, gateway.StripeRejected):
        messages.error(request, _("We could not reach the payment service. Nothing changed; please try again."))
        return redirect("donations:mine_gifts")
    messages.success(request, done if changed or not unchanged else unchanged)
    return redirect("donations:mine_gifts")


@require_POST
@_signed_in
def mine_amount(request: HttpRequest, email: str, reference: str) -> HttpResponse:
    pledge = _pledge(email, reference)
    try:
        gift = parse_amount(request.POST.get("amount", ""), pledge.currency)
    except AmountError as exc:
        messages.error(request, str(exc))
        return redirect("donations:mine_gifts")
    return _act(
        request,
        lambda: donor_controls.pledge_change_amount(pledge=pledge, gift_amount=gift),
        _("Your monthly gift's new amount is charged from next month. We emailed you a confirmation."),
        _("Your monthly gift already has that amount."),
    )


@require_POST
@_signed_in
def mine_pause(request: HttpRequest, email: str, reference: str) -> HttpResponse:
    pledge = _pledge(email, reference)
    try:
        months = int(request.POST.get("months", ""))
    except ValueError:
        months = 0
    return _act(
        request,
        lambda: donor_controls.pledge_pause(pledge=pledge, months=months),
        _("Your monthly gift is paused. We emailed you a confirmation."),
        _("Your monthly gift is already paused."),
    )


@require_POST
@_signed_in
def mine_resume(request: HttpRequest, email: str, reference: str) -> HttpResponse:
    pledge = _pledge(email, reference)
    return _act(
        request,
        lambda: donor_controls.pledge_resume(pledge=pledge),
        _("Your monthly gift is running again from next month. We emailed you a confirmation."),
        _("Your monthly gift is not paused."),
    )


@require_POST
@_signed_in
def mine_stop(request: HttpRequest, email: str, reference: str) -> HttpResponse:
    pledge = _pledge(email, reference)

    def stop() -> bool:
        if not pledge.is_monthly:
            raise donor_controls.NotChangeable("not monthly")
        pledge_stop_monthly(pledge=pledge, source=PledgeTransition.Source.DONOR)
        return True

    return _act(request, stop, _("Your monthly gift is stopped. No further payments will be taken."))


@require_POST
@_signed_in
def mine_card(request: HttpRequest, email: str, reference: str) -> HttpResponse:
    """Off to Stripe's page to give a new card; Stripe sends the donor back to mine_card_done."""
    pledge = _pledge(email, reference)
    back = request.build_absolute_uri(reverse("donations:mine_card_done", kwargs={"reference": pledge.reference}))
    attempt = request.POST.get("attempt", "")[:32] or uuid.uuid4().hex
    try:
        url = donor_controls.pledge_card_update_url(pledge=pledge, return_url=back, attempt=attempt)
    except donor_controls.NotChangeable:
        messages.error(request, _("This gift cannot take that change."))
        return redirect("donations:mine_gifts")
    except (gateway.StripeUnavailable, gateway.StripeRejected):
        messages.error(request, _("We could not reach the payment service. Nothing changed; please try again."))
        return redirect("donations:mine_gifts")
    return redirect(url)


@require_GET
@_signed_in
def mine_card_done(request: HttpRequest, email: str, reference: str) -> HttpResponse:
    pledge = _pledge(email, reference)
    return _act(
        request,
        lambda: donor_controls.pledge_card_updated(pledge=pledge),
        _("Your new card is saved for your monthly gift. We emailed you a confirmation."),
        _("Your card did not change."),
    )


@require_POST
@_signed_in
def mine_sharing(request: HttpRequest, email: str, reference: str) -> HttpResponse:
    pledge = _pledge(email, reference)
    share = request.POST.get("share") == "1"
    done = (
        _("%(org)s now sees your name and email for this gift.")
        if share
        else _("%(org)s now sees this gift as anonymous.")
    ) % {"org": pledge.organization.name}
    return _act(request, lambda: donor_controls.pledge_set_sharing(pledge=pledge, share=share), done)


@require_GET
@_signed_in
def mine_receipt(request: HttpRequest, email: str, payment_id: int) -> HttpResponse:
    payment = selectors.donor_payment(email, payment_id)
    if payment is None:
        raise Http404
    context = {"payment": payment, "pledge": payment.pledge, "organization": payment.pledge.organization}
    response = render(request, "donations/mine_receipt.html", context)
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="receipt-{payment.pledge.reference}-{payment.pk}.html"'
    return response


@require_GET
@_signed_in
def mine_statement(request: HttpRequest, email: str, year: int, slug: str) -> HttpResponse:
    statement = selectors.donor_statement(email, year, slug)
    if statement is None:
        raise Http404
    response = render(request, "donations/mine_statement.html", {"statement": statement})
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="statement-{year}-{slug}.html"'
    return response


@require_http_methods(["GET", "POST"])
@_signed_in
def mine_erase(request: HttpRequest, email: str) -> HttpResponse:
    """ "Erase my data": a confirmation page that says what is kept and why; the POST does it."""
    if request.method == "GET" or request.POST.get("confirm") != "1":
        gifts = selectors.donor_gifts(email)
        running = [g for g in gifts if g.pledge.is_monthly and g.pledge.status in ("active", "past_due")]
        return render(request, "donations/mine_erase.html", {"gifts": gifts, "running": running})
    try:
        result = erasure.donor_erase(email=email)
    except (gateway.StripeUnavailable, gateway.StripeRejected):
        messages.error(request, _("We could not reach the payment service. Nothing was erased; please try again."))
        return redirect("donations:mine_erase")
    if not result.kept:
        donor_access.donor_session_end(link_id=request.session.pop(SESSION_KEY, None))
        request.session.cycle_key()
    return render(request, "donations/mine_erased.html", {"result": result})
