"""Webhook storm: 10,000 signed Stripe events, 30% of them duplicates, shuffled, from 8 concurrent senders, against
the production server; then the end state is checked, exactly, against what was sent.

    .venv/bin/python bench/storm.py               # full size: 10,000 events, 8 senders
    .venv/bin/python bench/storm.py --smoke       # tiny size (about 300 events), for make test

It starts what production runs (gunicorn, DEBUG off, PostgreSQL, Redis) and the local Stripe sandbox (its own
process, `python -m stripe_sandbox`, answering the portal's re-fetches exactly as Stripe would: subscriptions,
payment intents, a charge's refunds). The database (DATABASE_URL, default portal_storm; its name must contain
"storm") is created afresh each run.

The story is played on the sandbox first, so that every object the events name exists there: gifts made through the
portal's own services (pledge, Checkout Session) and paid on the sandbox's checkout page; monthly renewals
(invoice.paid); dunning (invoice.payment_failed, customer.subscription.updated past_due, then the retry paid and active
again, or left past due); refunds (charge.refunded, refund.created), some left pending and then failing or succeeding
(refund.updated, charge.refund.updated); disputes of a single gift or of a monthly gift's renewal
(charge.dispute.created, updated, closed, funds_withdrawn, funds_reinstated): chargebacks won or lost, in full or in
part, inquiries closed, and some of each left open (under review, or an inquiry escalated). The sandbox records the
events (it delivers none); they are then re-signed with the portal's webhook secret, 30% sent twice, shuffled, and
posted by 8 threads over HTTP. An answer other than 200 is sent again later, as Stripe retries (counted and printed).
Every event the sandbox made is sent, not only the types the portal handles: a real endpoint receives them all.

Printed: events/s (target: at least 300 on PostgreSQL), p50/p99, retries; then the end state against the story:
payments (count and amount per currency), refunds counted and not, each pledge's status, disputes (count per status,
amount lost per currency) and the organizations' reports' disputed and lost figures, the events recorded once each,
and the reports' totals equal to the raw rows (rebuild_rollups --check). Any difference fails the run.

Each kind of story is one function in KINDS with its weight; it drives the sandbox and writes what it expects in
the Ledger. A new kind is one more function and, if it needs one, one more Ledger figure checked in _check.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from load import WEBHOOK_SECRET, _environment, _free_port, _prepare  # noqa: E402

SANDBOX_KEY = "sk_test_sandbox"  # the portal's key when no STRIPE_SECRET_KEY is set (config/settings.py)


# -- the story, played on the sandbox ------------------------------------------------------------------------------


@dataclass
class Gift:
    reference: str
    monthly: bool
    currency: str
    amount: int
    session_id: str = ""
    subscription_id: str = ""
    payment_intent_id: str = ""


@dataclass
class Ledger:
    """What the story did, hence what the portal must end with."""

    payments: Counter = field(default_factory=Counter)  # currency -> count
    received: Counter = field(default_factory=Counter)  # currency -> minor units
    refunds_counted: Counter = field(default_factory=Counter)  # currency -> minor units
    refunds_not_counted: int = 0  # failed ones
    refunds: int = 0
    statuses: dict[str, str] = field(default_factory=dict)  # pledge reference -> status
    refunded: Counter = field(default_factory=Counter)  # pledge reference -> minor units refunded (counted)
    disputes: Counter = field(default_factory=Counter)  # dispute status -> count
    disputed: Counter = field(default_factory=Counter)  # currency -> minor units under open dispute
    lost: Counter = field(default_factory=Counter)  # currency -> minor units lost to disputes

    def paid(self, gift: Gift) -> None:
        self.payments[gift.currency] += 1
        self.received[gift.currency] += gift.amount


class Sandbox:
    """The sandbox's API (as Stripe's, with the portal's key) and its control API, over HTTP."""

    def __init__(self, url: str):
        self.url = url

    def _call(self, method: str, path: str, params: dict | None = None, auth: bool = True) -> dict:
        data = urllib.parse.urlencode(params or {}).encode() if method == "POST" else None
        query = "" if method == "POST" or not params else "?" + urllib.parse.urlencode(params)
        request = urllib.request.Request(self.url + path + query, data=data, method=method)  # noqa: S310
        if auth:
            request.add_header("Authorization", f"Bearer {SANDBOX_KEY}")
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local sandbox
            return json.loads(response.read() or b"{}")

    def api(self, method: str, path: str, params: dict | None = None) -> dict:
        return self._call(method, f"/v1/{path}", params)

    def control(self, path: str, params: dict | None = None) -> dict:
        return self._call("POST", f"/_sandbox/{path}", params, auth=False)

    def pay(self, checkout_url: str) -> None:
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        request = urllib.request.Request(checkout_url + "/pay", data=b"outcome=success", method="POST")  # noqa: S310
        try:
            urllib.request.build_opener(NoRedirect).open(request, timeout=30).close()
        except urllib.error.HTTPError as error:  # the redirect back to the portal
            if error.code not in (302, 303):
                raise

    def state(self) -> dict:
        with urllib.request.urlopen(self.url + "/_sandbox/state", timeout=30) as response:  # noqa: S310
            return json.loads(response.read())

    def events(self) -> list[dict]:
        """Every event the sandbox made, oldest first."""
        events, after = [], None
        while True:
            params = {"limit": 100, **({"starting_after": after} if after else {})}
            page = self.api("GET", "events", params)
            events += page["data"]
            if not page["has_more"]:
                return events[::-1]
            after = page["data"][-1]["id"]


class Story:
    def __init__(self, sandbox: Sandbox, organizations: list, rng: random.Random):
        self.sandbox, self.organizations, self.rng = sandbox, organizations, rng
        self.ledger = Ledger()
        self.count = 0

    def gift(self, *, monthly: bool) -> Gift:
        """A gift made through the portal's services, paid on the sandbox's checkout page."""
        from donations.services.pledges import GiftDetails, pledge_checkout, pledge_start

        self.count += 1
        currency = self.rng.choice(["USD", "USD", "KRW"])
        amount = self.rng.choice([2500, 5000, 10000]) if currency == "USD" else self.rng.choice([30000, 50000])
        pledge = pledge_start(
            gift=GiftDetails(
                organization=self.rng.choice(self.organizations),
                program=None,
                frequency="monthly" if monthly else "once",
                currency=currency,
                gift_amount=amount,
                cover_fee=False,
                donor_name=f"Storm Donor {self.count}",
                donor_email=f"storm{self.count % 500}@example.org",
                share_identity=self.count % 2 == 0,
                dedication="",
                submission_key=f"storm-{self.count}-{self.rng.getrandbits(32):08x}",
            )
        )
        checkout_url = pledge_checkout(pledge=pledge, base_url="http://127.0.0.1")
        self.sandbox.pay(checkout_url)
        session = self.sandbox.api("GET", f"checkout/sessions/{pledge.stripe_checkout_session_id}")
        gift = Gift(pledge.reference, monthly, currency, pledge.amount, session["id"])
        gift.subscription_id = session.get("subscription") or ""
        gift.payment_intent_id = session.get("payment_intent") or ""
        self.ledger.paid(gift)
        self.ledger.statuses[gift.reference] = "active" if monthly else "paid"
        return gift


def single_gift(story: Story) -> None:
    story.gift(monthly=False)


def refunded_gift(story: Story) -> None:
    """A single gift refunded in part or in full (charge.refunded, refund.created)."""
    gift = story.gift(monthly=False)
    amount = story.rng.choice([gift.amount, gift.amount // 2])
    story.sandbox.api("POST", "refunds", {"payment_intent": gift.payment_intent_id, "amount": amount})
    _refund_counted(story, gift, amount)


def failing_refund(story: Story) -> None:
    """A refund left pending by the card's bank, which then fails (refund.updated, charge.refund.updated) or, for
    one in three, succeeds."""
    gift = story.gift(monthly=False)
    refund = story.sandbox.api("POST", "refunds", {"payment_intent": gift.payment_intent_id})
    story.sandbox.control(f"refunds/{refund['id']}/status", {"status": "pending"})
    if story.rng.random() < 1 / 3:
        story.sandbox.control(f"refunds/{refund['id']}/status", {"status": "succeeded"})
        _refund_counted(story, gift, gift.amount)
        return
    story.sandbox.control(f"refunds/{refund['id']}/status", {"status": "failed"})
    story.ledger.refunds += 1
    story.ledger.refunds_not_counted += 1


def _refund_counted(story: Story, gift: Gift, amount: int) -> None:
    ledger = story.ledger
    ledger.refunds += 1
    ledger.refunds_counted[gift.currency] += amount
    ledger.refunded[gift.reference] += amount
    if ledger.refunded[gift.reference] >= gift.amount:
        ledger.statuses[gift.reference] = "refunded"


def monthly_gift(story: Story) -> None:
    """A monthly gift and one to three renewals, each paid (invoice.paid)."""
    gift = story.gift(monthly=True)
    for _ in range(story.rng.randint(1, 3)):
        story.sandbox.control(f"subscriptions/{gift.subscription_id}/advance", {"outcome": "paid"})
        story.ledger.paid(gift)


def dunning(story: Story) -> None:
    """A monthly gift whose renewal fails (invoice.payment_failed, customer.subscription.updated: past_due); Stripe's
    retry pays it (invoice.paid, customer.subscription.updated: active), or, for one in three, not yet."""
    gift = story.gift(monthly=True)
    invoice = story.sandbox.control(f"subscriptions/{gift.subscription_id}/advance", {"outcome": "failed"})
    story.ledger.statuses[gift.reference] = "past_due"
    if story.rng.random() < 2 / 3:
        story.sandbox.control(f"invoices/{invoice['id']}/retry", {"outcome": "paid"})
        story.ledger.paid(gift)
        story.ledger.statuses[gift.reference] = "active"


def _disputable(story: Story) -> tuple[Gift, str]:
    """A paid charge to dispute: a single gift's, or (one in three) a monthly gift's renewal; (gift, charge id)."""
    if story.rng.random() < 2 / 3:
        gift = story.gift(monthly=False)
        payment_intent = gift.payment_intent_id
    else:
        gift = story.gift(monthly=True)
        invoice = story.sandbox.control(f"subscriptions/{gift.subscription_id}/advance", {"outcome": "paid"})
        story.ledger.paid(gift)
        paid = story.sandbox.api("GET", "invoice_payments", {"invoice": invoice["id"]})["data"][0]
        payment_intent = paid["payment"]["payment_intent"]
    return gift, story.sandbox.api("GET", f"payment_intents/{payment_intent}")["latest_charge"]


def _open_dispute(story: Story, kind: str) -> tuple[Gift, dict]:
    gift, charge = _disputable(story)
    reason = story.rng.choice(["fraudulent", "duplicate", "product_not_received", "general", "unrecognized"])
    params = {"kind": kind, "reason": reason}
    if kind == "chargeback" and story.rng.random() < 1 / 4:  # a part of the gift
        params["amount"] = gift.amount // 2
    return gift, story.sandbox.control(f"charges/{charge}/dispute", params)


def _dispute_won_or_left_open(story: Story, kind: str, *, left_open_by: str, closed_as: str) -> None:
    """A dispute the bank closes in the charge's favour (ending `closed_as`), or for one in four, still open at the end
    after the sandbox's `left_open_by` action (evidence, escalate)."""
    gift, dispute = _open_dispute(story, kind)
    if story.rng.random() < 1 / 4:
        dispute = story.sandbox.control(f"disputes/{dispute['id']}/{left_open_by}")
        story.ledger.disputes[dispute["status"]] += 1
        story.ledger.disputed[gift.currency] += dispute["amount"]
        return
    story.sandbox.control(f"disputes/{dispute['id']}/close", {"outcome": "won"})
    story.ledger.disputes[closed_as] += 1


def dispute_won(story: Story) -> None:
    """A chargeback (charge.dispute.created, funds_withdrawn), evidence submitted (updated: under_review), won
    (closed, funds_reinstated); one in four still under review at the end."""
    _dispute_won_or_left_open(story, "chargeback", left_open_by="evidence", closed_as="won")


def dispute_lost(story: Story) -> None:
    """A chargeback lost (charge.dispute.created, funds_withdrawn, closed: lost): its money is not received."""
    gift, dispute = _open_dispute(story, "chargeback")
    story.sandbox.control(f"disputes/{dispute['id']}/close", {"outcome": "lost"})
    story.ledger.disputes["lost"] += 1
    story.ledger.lost[gift.currency] += dispute["amount"]


def inquiry(story: Story) -> None:
    """An inquiry (charge.dispute.created: warning_needs_response) closed without a chargeback (warning_closed);
    one in four escalated to a chargeback (updated: needs_response, funds_withdrawn) and still open at the end."""
    _dispute_won_or_left_open(story, "inquiry", left_open_by="escalate", closed_as="warning_closed")


# name -> (weight, story)
KINDS: dict[str, tuple[int, Callable[[Story], None]]] = {
    "single gift": (3, single_gift),
    "refunded gift": (2, refunded_gift),
    "failing refund": (2, failing_refund),
    "monthly gift with renewals": (3, monthly_gift),
    "dunning": (2, dunning),
    "dispute won": (1, dispute_won),
    "dispute lost": (1, dispute_lost),
    "inquiry": (1, inquiry),
}


def _play(story: Story, unique_events: int) -> list[dict]:
    """Play stories until the sandbox has made about `unique_events` events; all its events, oldest first."""
    names = list(KINDS)
    weights = [KINDS[name][0] for name in names]
    made = Counter()
    order = iter(names)  # each kind once first, so that a small run has them all; then at random, by weight
    while True:
        name = next(order, None) or story.rng.choices(names, weights)[0]
        KINDS[name][1](story)
        made[name] += 1
        if len(made) == len(names) and story.count % 5 == 0:
            made_so_far = len(story.sandbox.state()["events"])
            if made_so_far >= unique_events:
                print("stories played: " + ", ".join(f"{n} {made[n]}" for n in names), flush=True)
                return story.sandbox.events()


# -- the storm -----------------------------------------------------------------------------------------------------


def _signed(payload: bytes) -> str:
    timestamp = str(int(time.time()))
    signature = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def _storm(port: int, bodies: list[bytes], senders: int) -> dict:
    """Post every body from `senders` threads (each its own keep-alive connection); a non-200 answer is sent again
    later (Stripe retries), up to 20 times."""
    queue = list(enumerate(bodies))
    attempts = Counter()
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def send() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    return
                index, body = queue.pop()
            started = time.perf_counter()
            connection.request(
                "POST",
                "/donations/stripe/webhook/",
                body=body,
                headers={"Content-Type": "application/json", "Stripe-Signature": _signed(body)},
            )
            response = connection.getresponse()
            answer = response.read()
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                attempts[index] += 1
                if response.status != 200:
                    if attempts[index] < 20:
                        queue.insert(0, (index, body))  # later, as Stripe retries
                    else:
                        failures.append(f"{response.status} {answer[:200]!r}")

    threads = [threading.Thread(target=send) for _ in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "events": len(bodies),
        "seconds": elapsed,
        "rate": len(bodies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "retries": sum(attempts.values()) - len(bodies),
        "failures": failures,
    }


# -- the end state ---------------------------------------------------------------------------------------------------


def _check(ledger: Ledger, unique: set[str]) -> list[str]:
    """Differences between the portal's end state and the story's (empty: exact)."""
    from django.core.management import call_command
    from django.db.models import Count, Sum

    from donations.models import Payment, Pledge, Refund, StripeEvent

    problems = []
    payments = {
        row["currency"]: (row["n"], row["total"])
        for row in Payment.objects.values("currency").annotate(n=Count("id"), total=Sum("amount"))
    }
    expected = {c: (ledger.payments[c], ledger.received[c]) for c in ledger.payments}
    if payments != expected:
        problems.append(f"payments (count, amount) per currency: {payments}, sent {expected}")
    counted = dict(Refund.objects.counted().values("currency").annotate(t=Sum("amount")).values_list("currency", "t"))
    if counted != dict(ledger.refunds_counted):
        problems.append(f"refunds counted per currency: {counted}, sent {dict(ledger.refunds_counted)}")
    not_counted = Refund.objects.exclude(status__in=Refund.COUNTED).count()
    if (Refund.objects.count(), not_counted) != (ledger.refunds, ledger.refunds_not_counted):
        problems.append(
            f"refunds (all, not counted): {Refund.objects.count()}, {not_counted}; "
            f"sent {ledger.refunds}, {ledger.refunds_not_counted}"
        )
    statuses = dict(Pledge.objects.values_list("reference", "status"))
    wrong = {ref: (statuses.get(ref), want) for ref, want in ledger.statuses.items() if statuses.get(ref) != want}
    if wrong:
        problems.append(f"{len(wrong)} pledge(s) not in the status sent (got, sent): {list(wrong.items())[:5]}")
    recorded = set(StripeEvent.objects.values_list("event_id", flat=True))
    if recorded != unique:
        problems.append(f"events recorded: {len(recorded)}, sent {len(unique)} different ones")
    outcomes = Counter(StripeEvent.objects.values_list("outcome", flat=True))
    odd = {o: n for o, n in outcomes.items() if o.startswith(("unprocessable", "flagged"))}
    if odd:
        problems.append(f"events not taken as Stripe's: {odd}")
    problems += _check_disputes(ledger)
    try:
        call_command("rebuild_rollups", "--check", stdout=open(os.devnull, "w"))  # noqa: SIM115
    except Exception as exc:  # noqa: BLE001 - printed as a difference
        problems.append(f"the reports' totals differ from the raw rows: {exc}")
    print(
        "end state: "
        + f"{sum(ledger.payments.values())} payments, {ledger.refunds} refunds "
        + f"({ledger.refunds_not_counted} failed), {len(ledger.statuses)} pledges "
        + f"({', '.join(f'{s} {n}' for s, n in sorted(Counter(ledger.statuses.values()).items()))}), "
        + f"{sum(ledger.disputes.values())} disputes ({_counts(ledger.disputes)})"
    )
    return problems


def _counts(counter: Counter) -> str:
    return ", ".join(f"{key} {n}" for key, n in sorted(counter.items()))


def _check_disputes(ledger: Ledger) -> list[str]:
    """Disputes per status and the money lost per currency, and the same figures as the organizations' reports show
    them (reports.disputes.dispute_totals, summed over organizations per currency)."""
    from django.db.models import Count, Sum

    from donations.models import Dispute
    from orgs.models import Organization
    from reports.disputes import dispute_totals
    from reports.selectors import ReportFilters

    problems = []
    statuses = dict(Dispute.objects.values("status").annotate(n=Count("id")).values_list("status", "n"))
    if statuses != dict(ledger.disputes):
        problems.append(f"disputes per status: {statuses}, sent {dict(ledger.disputes)}")
    lost = dict(Dispute.objects.lost().values("currency").annotate(t=Sum("amount")).values_list("currency", "t"))
    if lost != dict(ledger.lost):
        problems.append(f"lost to disputes per currency: {lost}, sent {dict(ledger.lost)}")
    reported = {"open": Counter(), "disputed": Counter(), "lost": Counter(), "lost count": Counter()}
    for organization in Organization.objects.all():
        for currency, totals in dispute_totals(organization, ReportFilters.default()).items():
            reported["open"][currency] += totals.open_count
            reported["disputed"][currency] += totals.open_amount
            reported["lost"][currency] += totals.lost_amount
            reported["lost count"][currency] += totals.lost_count
    open_statuses = [s for s in ledger.disputes if s not in Dispute.CLOSED]
    expected = {
        "open": sum(ledger.disputes[s] for s in open_statuses),
        "disputed": +ledger.disputed,
        "lost": +ledger.lost,
        "lost count": ledger.disputes["lost"],
    }
    got = {
        "open": sum(reported["open"].values()),
        "disputed": +reported["disputed"],
        "lost": +reported["lost"],
        "lost count": sum(reported["lost count"].values()),
    }
    if got != expected:
        problems.append(f"the reports' disputes (open, disputed, lost): {got}, sent {expected}")
    return problems


# -- running it --------------------------------------------------------------------------------------------------------


def _fresh_database(url: str) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        sys.exit("The storm runs on PostgreSQL: set DATABASE_URL=postgres://...")
    if "storm" not in config["NAME"]:
        sys.exit(f"The storm drops and recreates its database; put 'storm' in its name (got {config['NAME']})")
    with psycopg.connect(
        host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"], dbname="postgres", autocommit=True
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


def _wait_for(port: int, process: subprocess.Popen, what: str) -> None:
    for _ in range(200):
        if process.poll() is not None:
            sys.exit(f"{what} stopped (exit {process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{what} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny size: about 300 events")
    parser.add_argument("--events", type=int, default=10_000, help="events to post, duplicates included")
    parser.add_argument("--duplicates", type=float, default=0.3, help="share of the events that are duplicates")
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if args.smoke:
        args.events = 300
    database_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/portal_storm"
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"
    _fresh_database(database_url)
    sandbox_port, port = _free_port(), _free_port()
    with tempfile.TemporaryDirectory() as scratch:
        env = _environment(
            database_url, redis_url, str(Path(scratch) / "static"), stripe_url=f"http://127.0.0.1:{sandbox_port}"
        )
        env.update(DJANGO_SETTINGS_MODULE="config.settings")
        _prepare(env)
        os.environ.update(env)
        import django

        django.setup()
        from orgs.models import Organization

        organizations = list(Organization.objects.filter(accepts_gifts=True, published=True, stripe_account_id=""))
        python = sys.executable
        sandbox = subprocess.Popen(  # noqa: S603 - the local sandbox: no webhook URL, it records its events only
            [python, "-m", "stripe_sandbox", "--port", str(sandbox_port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
        )
        server = None
        try:
            _wait_for(sandbox_port, sandbox, "the Stripe sandbox")
            rng = random.Random(args.seed)  # noqa: S311 - a repeatable story, not a secret
            story = Story(Sandbox(f"http://127.0.0.1:{sandbox_port}"), organizations, rng)
            unique_wanted = round(args.events * (1 - args.duplicates))
            started = time.perf_counter()
            events = _play(story, unique_wanted)
            print(f"story played on the sandbox: {len(events):,} events in {time.perf_counter() - started:.0f} s")
            bodies = [json.dumps(event).encode() for event in events]
            duplicates = max(0, args.events - len(bodies))  # every event once, the rest duplicates: exactly --events
            bodies += [rng.choice(bodies) for _ in range(duplicates)]
            rng.shuffle(bodies)
            gunicorn = str(Path(python).with_name("gunicorn"))
            server = subprocess.Popen(  # noqa: S603
                [gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)]
                + ["--threads", str(args.threads), "--log-level", "warning"],
                cwd=ROOT,
                env=env,
            )
            _wait_for(port, server, "gunicorn")
            figures = _storm(port, bodies, args.senders)
        finally:
            for process in (server, sandbox):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=30)
        types = Counter(event["type"] for event in events)
        problems = figures["failures"] + _check(story.ledger, {event["id"] for event in events})
    _print(figures, args, types, duplicates)
    if problems:
        print("DIFFERENCES:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print("end state exact: nothing dropped, nothing doubled")


def _print(figures: dict, args: argparse.Namespace, types: Counter, duplicates: int) -> None:
    handled = ", ".join(f"{t} {n}" for t, n in sorted(types.items()))
    print(f"event types sent: {handled}")
    print(
        f"\nwebhook storm: {figures['events']:,} events ({duplicates:,} duplicates), {args.senders} senders, "
        f"gunicorn {args.workers} workers x {args.threads} threads"
    )
    print(
        f"storm: {figures['rate']:.1f} events/s (target >= 300), p50 {figures['p50']:.1f} ms, "
        f"p99 {figures['p99']:.1f} ms, {figures['retries']} retried, {figures['seconds']:.1f} s"
    )


if __name__ == "__main__":
    main()
