from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ropeteam.audit"
    label = "audit"
    verbose_name = "Audit log"
