from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        """Every write to the directory makes the cached public pages stale (common.pagecache).

        Signals here are for the cache only, not for domain flow: the admin, the seed loader and the services all
        write through the ORM, and this is the one place that sees every such write.
        """
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from common.audit import audit_register
        from common.pagecache import public_pages_changed
        from orgs.models import Organization, Program

        audit_register(Organization, m2m_fields=["causes", "regions", "sources"])
        audit_register(Program)

        for model in self.get_models():
            post_save.connect(public_pages_changed, sender=model, dispatch_uid=f"pagecache-save-{model.__name__}")
            post_delete.connect(public_pages_changed, sender=model, dispatch_uid=f"pagecache-del-{model.__name__}")
            for field in model._meta.many_to_many:  # an organization's causes, regions, sources
                through = field.remote_field.through
                m2m_changed.connect(public_pages_changed, sender=through, dispatch_uid=f"pagecache-m2m-{through}")
