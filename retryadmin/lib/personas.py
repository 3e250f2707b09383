"""The four personas of PRODUCT.md as Django groups, and the permissions each one holds.

The groups are created by a migration (`wrapup/migrations/0002_personas.py`); permissions of
models added later are granted by `sync_personas` again after every migrate, so this table is the
one place that says who may do what.
"""

CAMPAIGN_MANAGER = "Campaign Manager"
SALES_MANAGER = "Sales Manager"
SUPERVISOR = "Supervisor"
AGENT = "Agent"

_VIEW = ("view",)
_ALL = ("add", "change", "delete", "view")

PERSONA_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    CAMPAIGN_MANAGER: {
        "strategies.strategy": _ALL,
        "strategies.strategyrule": _ALL,
        "strategies.ladderstep": _ALL,
        "strategies.outcome": _VIEW,
        "strategies.callresult": _VIEW,
        "strategies.providermapping": _VIEW,
        "campaigns.dialplan": _ALL,
        "campaigns.campaign": _ALL,
        "campaigns.businesshourwindow": _ALL,
        "campaigns.holiday": _ALL,
        "campaigns.contact": _ALL,
        "campaigns.attempt": _VIEW,
        "campaigns.redialrequest": ("add", "change", "view"),
        "campaigns.campaign:view_report": (),
        "campaigns.attemptrule": _ALL,
        "campaigns.attemptrule:manage_required_rules": (),
        "campaigns.attemptrulechange": _VIEW,
        "campaigns.donotcalllist": _VIEW,
        "campaigns.donotcallentry": ("add", "delete", "view"),
        "campaigns.donotcallremoval": _VIEW,
        "campaigns.donotcallimport": ("add", "view"),
        "wrapup.agentsession": _VIEW,
    },
    SALES_MANAGER: {
        "strategies.strategy": _VIEW,
        "campaigns.dialplan": _VIEW,
        "campaigns.campaign": _VIEW,
        "campaigns.contact": _VIEW,
        "campaigns.attempt": _VIEW,
        "campaigns.redialrequest": _VIEW,
        "campaigns.campaign:view_report": (),
        "campaigns.attemptrule": _VIEW,
        "campaigns.attemptrulechange": _VIEW,
        "campaigns.donotcalllist": _VIEW,
        "campaigns.donotcallentry": _VIEW,
        "campaigns.donotcallremoval": _VIEW,
        "campaigns.donotcallimport": _VIEW,
        "wrapup.agentsession": _VIEW,
    },
    SUPERVISOR: {
        "strategies.outcome": ("add", "change", "view"),
        "strategies.providermapping": _ALL,
        "strategies.autoclassification": _VIEW,
        "strategies.callresult": _VIEW,
        "strategies.strategy": _VIEW,
        "campaigns.campaign": _VIEW,
        "campaigns.contact": _VIEW,
        "campaigns.attempt": _VIEW,
        "campaigns.redialrequest": ("add", "change", "view"),
        # Unmapped dialer statuses wait in the webhook events for a supervisor to map and re-process.
        "campaigns.webhookevent": _VIEW,
        "campaigns.campaign:view_report": (),
        # A campaign's own attempt rules (compliance on the floor); the organisation's required ones stay locked.
        "campaigns.attemptrule": _ALL,
        "campaigns.attemptrulechange": _VIEW,
        "campaigns.donotcalllist": _VIEW,
        "campaigns.donotcallentry": ("add", "delete", "view"),
        "campaigns.donotcallremoval": _VIEW,
        "campaigns.donotcallimport": ("add", "view"),
        "wrapup.agentsession": _VIEW,
    },
    AGENT: {
        "wrapup.agentsession:use_workspace": (),
    },
}

# Where each persona starts after logging in: where its work is (README's table). A user in several
# groups starts at the first of this order it belongs to.
PERSONA_HOME: dict[str, str] = {
    CAMPAIGN_MANAGER: "strategies:list",
    SUPERVISOR: "campaigns:callbacks",
    SALES_MANAGER: "campaigns:report",
    AGENT: "wrapup:workspace",
}

# Personas that may open the Django admin (an Agent never does).
STAFF_PERSONAS = (CAMPAIGN_MANAGER, SALES_MANAGER, SUPERVISOR)


def wanted_codenames(spec: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """(app_label, codename) pairs for one persona's table entry."""
    pairs = []
    for key, actions in spec.items():
        model_key, _, custom = key.partition(":")
        app_label, model = model_key.split(".")
        if custom:
            pairs.append((app_label, custom))
        pairs.extend((app_label, f"{action}_{model}") for action in actions)
    return pairs


def sync_personas(apps=None) -> None:
    """Create the persona groups and give each exactly the permissions of PERSONA_PERMISSIONS.

    Permissions whose model does not exist yet are skipped; the next migrate grants them.
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    registry = apps or global_apps
    for app_config in registry.get_app_configs():
        if apps is None:
            create_permissions(app_config, verbosity=0)
        else:
            # Historical app configs have no models module, and create_permissions skips those.
            app_config.models_module = True
            create_permissions(app_config, verbosity=0, apps=registry)
            app_config.models_module = None
    group_model = registry.get_model("auth", "Group")
    permission_model = registry.get_model("auth", "Permission")
    for persona, spec in PERSONA_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=persona)
        wanted = wanted_codenames(spec)
        permissions = []
        for app_label, codename in wanted:
            permission = permission_model.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                permissions.append(permission)
        group.permissions.set(permissions)


def sync_personas_after_migrate(sender, **kwargs) -> None:
    sync_personas()
