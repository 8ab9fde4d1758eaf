"""The audit trail of staff actions (django-auditlog): who changed what, and when, on organizations and money.

What is recorded: changes made in a staff member's request (the admin, its actions, reports), with that person as
the actor. Changes made by donors, Stripe's webhooks, tasks and commands are not: they have their own records
(each pledge's status history, the Stripe event log). Each app registers its models in its AppConfig.ready with
`audit_register`; writes that send no model signal (queryset updates) record themselves with `audit_changes`.

Never donors' personal data: models holding it register an allow-list of fields (the pledge: its status), so a
donor's name, email, dedication or Stripe customer id is never copied into the trail, where erasing the pledge's
copy would not reach it.
"""

from collections.abc import Iterable
from contextvars import ContextVar

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import pre_log
from django.conf import settings
from django.db.models import Model
from django.db.models.signals import m2m_changed, pre_save

_staff_actor: ContextVar = ContextVar("portal_audit_staff_actor", default=None)


class StaffAuditMiddleware:
    """A staff member's request writes the trail with them as the actor; any other request writes nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Without a session cookie nobody is signed in: asking request.user would read the session and add
        # "Vary: Cookie" to the public pages that the page cache serves the same to everyone.
        signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES
        user = request.user if signed_in else None
        if not (user is not None and user.is_authenticated and user.is_staff):
            with disable_auditlog():
                return self.get_response(request)
        token = _staff_actor.set(user)
        try:
            return self.get_response(request)
        finally:
            _staff_actor.reset(token)


def _only_staff_actions(sender, **kwargs) -> bool:
    """auditlog's pre_log: False (write nothing) outside a staff member's request (commands, tasks, tests)."""
    return _staff_actor.get() is not None


def _staff_as_actor(sender, instance: LogEntry, **kwargs) -> None:
    """Every entry names the staff member whose request wrote it (one receiver for all threads, unlike auditlog's
    set_actor, which connects a receiver per request)."""
    actor = _staff_actor.get()
    if actor is not None and instance.actor_id is None:
        instance.actor = actor
        instance.actor_email = getattr(actor, "email", None)


pre_log.connect(_only_staff_actions, dispatch_uid="portal-audit-only-staff")
pre_save.connect(_staff_as_actor, sender=LogEntry, dispatch_uid="portal-audit-staff-actor")


def audit_register(model: type[Model], *, include_fields: Iterable[str] = (), m2m_fields: Iterable[str] = ()) -> None:
    """Record staff's changes to `model`: every field, or only `include_fields` (for models with personal data)."""
    auditlog.register(
        model,
        include_fields=list(include_fields) or None,
        exclude_fields=["updated_at"],  # changes with every save; the entry has its own time
    )
    for name in m2m_fields:  # auditlog's own many-to-many receiver skips pre_log: this one asks for staff first
        through = getattr(model, name).through
        m2m_changed.connect(_m2m_receiver(name), sender=through, weak=False, dispatch_uid=f"portal-audit-{through}")


def _m2m_receiver(field_name: str):
    def record(sender, instance, action, model, pk_set, **kwargs) -> None:
        if _staff_actor.get() is None or action not in ("post_add", "post_remove") or not pk_set:
            return
        operation = "add" if action == "post_add" else "delete"
        changed = model._base_manager.filter(pk__in=pk_set)
        LogEntry.objects.log_m2m_changes(changed, instance, operation, field_name)

    return record


def audit_changes(instance: Model, changes: dict[str, tuple[object, object]]) -> None:
    """Record a staff change that sent no model signal (a queryset update): {field: (before, after)}."""
    if _staff_actor.get() is None:
        return
    changed = {name: [_text(old), _text(new)] for name, (old, new) in changes.items() if old != new}
    if changed:
        LogEntry.objects.log_create(instance, action=LogEntry.Action.UPDATE, changes=changed)


def _text(value: object) -> str:
    return "None" if value is None else str(getattr(value, "pk", value))
