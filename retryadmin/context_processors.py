"""The navigation each persona sees: only what its permissions let it open."""

NAV_ITEMS = [
    # (label, url name, permission needed)
    ("Strategies", "strategies:list", "strategies.view_strategy"),
    ("Campaigns", "campaigns:list", "campaigns.view_campaign"),
    ("Callbacks", "campaigns:callbacks", "campaigns.view_redialrequest"),
    ("Queue", "campaigns:queue", "campaigns.view_redialrequest"),
    ("Reports", "campaigns:report", "campaigns.view_report"),
    ("Do not call", "campaigns:dnc_index", "campaigns.view_donotcallentry"),
    ("Floor", "wrapup:floor", "wrapup.view_agentsession"),
    ("Workspace", "wrapup:workspace", "wrapup.use_workspace"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    from django.urls import NoReverseMatch, reverse

    items = []
    for label, url_name, permission in NAV_ITEMS:
        if not user.has_perm(permission):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": False})
    # Only the item with the longest matching prefix is current: /campaigns/callbacks/ is Callbacks, not Campaigns.
    matching = [item for item in items if request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_items": items, "show_admin_link": user.is_staff}
