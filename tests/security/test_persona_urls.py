"""Every URL pattern (admin included) x every persona: the status each one gets, for GET and for an empty POST.

The table has one row per URL pattern, with one column per persona for GET and then for POST:
anonymous, Agent, Supervisor, Sales Manager, Campaign Manager, Administrator. A URL pattern added to the
site fails test_every_url_pattern_is_in_the_table until it gets its row here: whoever adds a page decides
who may open it. 302 for anonymous is the sign-in redirect; 405 is a method the view does not take.
"""

import pytest

from .url_world import PERSONAS, build_world, every_route, request_rolled_back

pytestmark = pytest.mark.django_db

# route: ((GET per persona), (POST per persona)); personas in the order of url_world.PERSONAS.
EXPECTED = {
    "": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "login/": ((200, 302, 302, 302, 302, 302), (200, 302, 302, 302, 302, 302)),
    "logout/": ((302, 405, 405, 405, 405, 405), (302, 302, 302, 302, 302, 302)),
    "healthz/": ((200, 200, 200, 200, 200, 200), (200, 200, 200, 200, 200, 200)),
    "favicon.ico": ((301, 301, 301, 301, 301, 301), (301, 301, 301, 301, 301, 301)),
    "admin/": ((302, 302, 200, 200, 200, 200), (302, 302, 200, 200, 200, 200)),
    "admin/login/": ((200, 200, 302, 302, 302, 302), (200, 200, 200, 200, 200, 200)),
    "admin/logout/": ((302, 302, 405, 405, 405, 405), (302, 302, 302, 302, 302, 302)),
    "admin/password_change/": ((302, 302, 200, 200, 200, 200), (302, 302, 200, 200, 200, 200)),
    "admin/password_change/done/": ((302, 302, 200, 200, 200, 200), (302, 302, 405, 405, 405, 405)),
    "admin/autocomplete/": ((302, 302, 403, 403, 403, 403), (302, 302, 405, 405, 405, 405)),
    "admin/jsi18n/": ((302, 302, 200, 200, 200, 200), (302, 302, 405, 405, 405, 405)),
    "admin/r/<path:content_type_id>/<path:object_id>/": (
        (302, 302, 404, 404, 404, 404),
        (302, 302, 404, 404, 404, 404),
    ),
    "admin/auth/group/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/auth/group/add/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/auth/group/<path:object_id>/history/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/auth/group/<path:object_id>/delete/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/auth/group/<path:object_id>/change/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/auth/group/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/auth/user/<id>/password/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/auth/user/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/auth/user/add/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/auth/user/<path:object_id>/history/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/auth/user/<path:object_id>/delete/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/auth/user/<path:object_id>/change/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/auth/user/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/axes/accessattempt/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/axes/accessattempt/add/": ((302, 302, 403, 403, 403, 403), (302, 302, 403, 403, 403, 403)),
    "admin/axes/accessattempt/<path:object_id>/history/": (
        (302, 302, 403, 403, 403, 200),
        (302, 302, 403, 403, 403, 200),
    ),
    "admin/axes/accessattempt/<path:object_id>/delete/": (
        (302, 302, 403, 403, 403, 200),
        (302, 302, 403, 403, 403, 200),
    ),
    "admin/axes/accessattempt/<path:object_id>/change/": (
        (302, 302, 403, 403, 403, 200),
        (302, 302, 403, 403, 403, 302),
    ),
    "admin/axes/accessattempt/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/axes/accesslog/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/axes/accesslog/add/": ((302, 302, 403, 403, 403, 403), (302, 302, 403, 403, 403, 403)),
    "admin/axes/accesslog/<path:object_id>/history/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/axes/accesslog/<path:object_id>/delete/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/axes/accesslog/<path:object_id>/change/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 302)),
    "admin/axes/accesslog/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/axes/accessfailurelog/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/axes/accessfailurelog/add/": ((302, 302, 403, 403, 403, 403), (302, 302, 403, 403, 403, 403)),
    "admin/axes/accessfailurelog/<path:object_id>/history/": (
        (302, 302, 403, 403, 403, 200),
        (302, 302, 403, 403, 403, 200),
    ),
    "admin/axes/accessfailurelog/<path:object_id>/delete/": (
        (302, 302, 403, 403, 403, 200),
        (302, 302, 403, 403, 403, 200),
    ),
    "admin/axes/accessfailurelog/<path:object_id>/change/": (
        (302, 302, 403, 403, 403, 200),
        (302, 302, 403, 403, 403, 302),
    ),
    "admin/axes/accessfailurelog/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/strategies/outcome/": ((302, 302, 200, 403, 200, 200), (302, 302, 200, 403, 200, 200)),
    "admin/strategies/outcome/add/": ((302, 302, 200, 403, 403, 200), (302, 302, 200, 403, 403, 200)),
    "admin/strategies/outcome/<path:object_id>/history/": (
        (302, 302, 200, 403, 200, 200),
        (302, 302, 200, 403, 200, 200),
    ),
    "admin/strategies/outcome/<path:object_id>/delete/": (
        (302, 302, 403, 403, 403, 403),
        (302, 302, 403, 403, 403, 403),
    ),
    "admin/strategies/outcome/<path:object_id>/change/": (
        (302, 302, 200, 403, 200, 200),
        (302, 302, 200, 403, 403, 200),
    ),
    "admin/strategies/outcome/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/strategies/providermapping/": ((302, 302, 200, 403, 200, 200), (302, 302, 200, 403, 200, 200)),
    "admin/strategies/providermapping/add/": ((302, 302, 200, 403, 403, 200), (302, 302, 200, 403, 403, 200)),
    "admin/strategies/providermapping/<path:object_id>/history/": (
        (302, 302, 200, 403, 200, 200),
        (302, 302, 200, 403, 200, 200),
    ),
    "admin/strategies/providermapping/<path:object_id>/delete/": (
        (302, 302, 403, 403, 403, 403),
        (302, 302, 403, 403, 403, 403),
    ),
    "admin/strategies/providermapping/<path:object_id>/change/": (
        (302, 302, 200, 403, 200, 200),
        (302, 302, 200, 403, 403, 200),
    ),
    "admin/strategies/providermapping/<path:object_id>/": (
        (302, 302, 302, 302, 302, 302),
        (302, 302, 302, 302, 302, 302),
    ),
    "admin/strategies/callresult/": ((302, 302, 200, 403, 200, 200), (302, 302, 200, 403, 200, 200)),
    "admin/strategies/callresult/add/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/strategies/callresult/<path:object_id>/history/": (
        (302, 302, 200, 403, 200, 200),
        (302, 302, 200, 403, 200, 200),
    ),
    "admin/strategies/callresult/<path:object_id>/delete/": (
        (302, 302, 403, 403, 403, 403),
        (302, 302, 403, 403, 403, 403),
    ),
    "admin/strategies/callresult/<path:object_id>/change/": (
        (302, 302, 200, 403, 200, 200),
        (302, 302, 403, 403, 403, 200),
    ),
    "admin/strategies/callresult/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/strategies/autoclassification/": ((302, 302, 200, 403, 403, 200), (302, 302, 200, 403, 403, 200)),
    "admin/strategies/autoclassification/add/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/strategies/autoclassification/<path:object_id>/history/": (
        (302, 302, 200, 403, 403, 200),
        (302, 302, 200, 403, 403, 200),
    ),
    "admin/strategies/autoclassification/<path:object_id>/delete/": (
        (302, 302, 403, 403, 403, 200),
        (302, 302, 403, 403, 403, 200),
    ),
    "admin/strategies/autoclassification/<path:object_id>/change/": (
        (302, 302, 200, 403, 403, 200),
        (302, 302, 403, 403, 403, 200),
    ),
    "admin/strategies/autoclassification/<path:object_id>/": (
        (302, 302, 302, 302, 302, 302),
        (302, 302, 302, 302, 302, 302),
    ),
    "admin/strategies/strategy/": ((302, 302, 200, 200, 200, 200), (302, 302, 200, 200, 200, 200)),
    "admin/strategies/strategy/add/": ((302, 302, 403, 403, 200, 200), (302, 302, 403, 403, 200, 200)),
    "admin/strategies/strategy/<path:object_id>/history/": (
        (302, 302, 200, 200, 200, 200),
        (302, 302, 200, 200, 200, 200),
    ),
    "admin/strategies/strategy/<path:object_id>/delete/": (
        (302, 302, 403, 403, 200, 200),
        (302, 302, 403, 403, 200, 200),
    ),
    "admin/strategies/strategy/<path:object_id>/change/": (
        (302, 302, 200, 200, 200, 200),
        (302, 302, 403, 403, 200, 200),
    ),
    "admin/strategies/strategy/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/campaigns/dialplan/": ((302, 302, 403, 200, 200, 200), (302, 302, 403, 200, 200, 200)),
    "admin/campaigns/dialplan/add/": ((302, 302, 403, 403, 200, 200), (302, 302, 403, 403, 200, 200)),
    "admin/campaigns/dialplan/<path:object_id>/history/": (
        (302, 302, 403, 200, 200, 200),
        (302, 302, 403, 200, 200, 200),
    ),
    "admin/campaigns/dialplan/<path:object_id>/delete/": (
        (302, 302, 403, 403, 200, 200),
        (302, 302, 403, 403, 200, 200),
    ),
    "admin/campaigns/dialplan/<path:object_id>/change/": (
        (302, 302, 403, 200, 200, 200),
        (302, 302, 403, 403, 200, 200),
    ),
    "admin/campaigns/dialplan/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/campaigns/campaign/": ((302, 302, 200, 200, 200, 200), (302, 302, 200, 200, 200, 200)),
    "admin/campaigns/campaign/add/": ((302, 302, 403, 403, 200, 200), (302, 302, 403, 403, 200, 200)),
    "admin/campaigns/campaign/<path:object_id>/history/": (
        (302, 302, 200, 200, 200, 200),
        (302, 302, 200, 200, 200, 200),
    ),
    "admin/campaigns/campaign/<path:object_id>/delete/": (
        (302, 302, 403, 403, 200, 200),
        (302, 302, 403, 403, 200, 200),
    ),
    "admin/campaigns/campaign/<path:object_id>/change/": (
        (302, 302, 200, 200, 200, 200),
        (302, 302, 403, 403, 200, 200),
    ),
    "admin/campaigns/campaign/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/campaigns/importjob/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/campaigns/importjob/add/": ((302, 302, 403, 403, 403, 403), (302, 302, 403, 403, 403, 403)),
    "admin/campaigns/importjob/<path:object_id>/history/": (
        (302, 302, 403, 403, 403, 200),
        (302, 302, 403, 403, 403, 200),
    ),
    "admin/campaigns/importjob/<path:object_id>/delete/": (
        (302, 302, 403, 403, 403, 200),
        (302, 302, 403, 403, 403, 200),
    ),
    "admin/campaigns/importjob/<path:object_id>/change/": (
        (302, 302, 403, 403, 403, 200),
        (302, 302, 403, 403, 403, 302),
    ),
    "admin/campaigns/importjob/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/campaigns/contact/": ((302, 302, 200, 200, 200, 200), (302, 302, 200, 200, 200, 200)),
    "admin/campaigns/contact/add/": ((302, 302, 403, 403, 200, 200), (302, 302, 403, 403, 200, 200)),
    "admin/campaigns/contact/<path:object_id>/history/": (
        (302, 302, 200, 200, 200, 200),
        (302, 302, 200, 200, 200, 200),
    ),
    "admin/campaigns/contact/<path:object_id>/delete/": (
        (302, 302, 403, 403, 200, 200),
        (302, 302, 403, 403, 200, 200),
    ),
    "admin/campaigns/contact/<path:object_id>/change/": (
        (302, 302, 200, 200, 200, 200),
        (302, 302, 403, 403, 200, 200),
    ),
    "admin/campaigns/contact/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/campaigns/attempt/": ((302, 302, 200, 200, 200, 200), (302, 302, 200, 200, 200, 200)),
    "admin/campaigns/attempt/add/": ((302, 302, 403, 403, 403, 403), (302, 302, 403, 403, 403, 403)),
    "admin/campaigns/attempt/<path:object_id>/history/": (
        (302, 302, 200, 200, 200, 200),
        (302, 302, 200, 200, 200, 200),
    ),
    "admin/campaigns/attempt/<path:object_id>/delete/": (
        (302, 302, 403, 403, 403, 403),
        (302, 302, 403, 403, 403, 403),
    ),
    "admin/campaigns/attempt/<path:object_id>/change/": (
        (302, 302, 200, 200, 200, 200),
        (302, 302, 403, 403, 403, 403),
    ),
    "admin/campaigns/attempt/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/campaigns/leadsubmission/": ((302, 302, 403, 403, 403, 200), (302, 302, 403, 403, 403, 200)),
    "admin/campaigns/leadsubmission/add/": ((302, 302, 403, 403, 403, 403), (302, 302, 403, 403, 403, 403)),
    "admin/campaigns/leadsubmission/<path:object_id>/history/": (
        (302, 302, 403, 403, 403, 200),
        (302, 302, 403, 403, 403, 200),
    ),
    "admin/campaigns/leadsubmission/<path:object_id>/delete/": (
        (302, 302, 403, 403, 403, 200),
        (302, 302, 403, 403, 403, 200),
    ),
    "admin/campaigns/leadsubmission/<path:object_id>/change/": (
        (302, 302, 403, 403, 403, 200),
        (302, 302, 403, 403, 403, 302),
    ),
    "admin/campaigns/leadsubmission/<path:object_id>/": (
        (302, 302, 302, 302, 302, 302),
        (302, 302, 302, 302, 302, 302),
    ),
    "admin/campaigns/webhookevent/": ((302, 302, 200, 403, 403, 200), (302, 302, 200, 403, 403, 200)),
    "admin/campaigns/webhookevent/add/": ((302, 302, 403, 403, 403, 403), (302, 302, 403, 403, 403, 403)),
    "admin/campaigns/webhookevent/<path:object_id>/history/": (
        (302, 302, 200, 403, 403, 200),
        (302, 302, 200, 403, 403, 200),
    ),
    "admin/campaigns/webhookevent/<path:object_id>/delete/": (
        (302, 302, 403, 403, 403, 403),
        (302, 302, 403, 403, 403, 403),
    ),
    "admin/campaigns/webhookevent/<path:object_id>/change/": (
        (302, 302, 200, 403, 403, 200),
        (302, 302, 403, 403, 403, 302),
    ),
    "admin/campaigns/webhookevent/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/campaigns/redialrequest/": ((302, 302, 200, 200, 200, 200), (302, 302, 200, 200, 200, 200)),
    "admin/campaigns/redialrequest/add/": ((302, 302, 403, 403, 403, 403), (302, 302, 403, 403, 403, 403)),
    "admin/campaigns/redialrequest/<path:object_id>/history/": (
        (302, 302, 200, 200, 200, 200),
        (302, 302, 200, 200, 200, 200),
    ),
    "admin/campaigns/redialrequest/<path:object_id>/delete/": (
        (302, 302, 403, 403, 403, 403),
        (302, 302, 403, 403, 403, 403),
    ),
    "admin/campaigns/redialrequest/<path:object_id>/change/": (
        (302, 302, 200, 200, 200, 200),
        (302, 302, 302, 403, 302, 302),
    ),
    "admin/campaigns/redialrequest/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/wrapup/agentsession/": ((302, 302, 200, 200, 200, 200), (302, 302, 200, 200, 200, 200)),
    "admin/wrapup/agentsession/add/": ((302, 302, 403, 403, 403, 403), (302, 302, 403, 403, 403, 403)),
    "admin/wrapup/agentsession/<path:object_id>/history/": (
        (302, 302, 200, 200, 200, 200),
        (302, 302, 200, 200, 200, 200),
    ),
    "admin/wrapup/agentsession/<path:object_id>/delete/": (
        (302, 302, 403, 403, 403, 403),
        (302, 302, 403, 403, 403, 403),
    ),
    "admin/wrapup/agentsession/<path:object_id>/change/": (
        (302, 302, 200, 200, 200, 200),
        (302, 302, 403, 403, 403, 302),
    ),
    "admin/wrapup/agentsession/<path:object_id>/": ((302, 302, 302, 302, 302, 302), (302, 302, 302, 302, 302, 302)),
    "admin/^(?P<app_label>auth|axes|strategies|campaigns|wrapup)/$": (
        (302, 302, 200, 200, 200, 200),
        (302, 302, 200, 200, 200, 200),
    ),
    "admin/(?P<url>.*)$": ((302, 302, 404, 404, 404, 404), (302, 302, 404, 404, 404, 404)),
    "strategies/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "strategies/new/": ((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 200, 200)),
    "strategies/preview/": ((302, 405, 405, 405, 405, 405), (302, 403, 200, 200, 200, 200)),
    "strategies/<int:pk>/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "strategies/<int:pk>/edit/": ((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 200, 200)),
    "strategies/<int:pk>/delete/": ((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 302, 302)),
    "campaigns/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "campaigns/new/": ((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 200, 200)),
    "campaigns/<int:pk>/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "campaigns/<int:pk>/edit/": ((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 200, 200)),
    "campaigns/<int:pk>/calling-now/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "campaigns/<int:pk>/pause/": ((302, 405, 405, 405, 405, 405), (302, 403, 403, 403, 302, 302)),
    "campaigns/<int:pk>/resume/": ((302, 405, 405, 405, 405, 405), (302, 403, 403, 403, 302, 302)),
    "campaigns/<int:pk>/contacts/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "campaigns/<int:pk>/contacts/new/": ((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 200, 200)),
    "campaigns/<int:pk>/contacts/<int:contact_pk>/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "campaigns/<int:pk>/contacts/<int:contact_pk>/notes/": (
        (302, 405, 405, 405, 405, 405),
        (302, 403, 403, 403, 302, 302),
    ),
    "campaigns/<int:pk>/contacts/<int:contact_pk>/do-not-call/": (
        (302, 405, 405, 405, 405, 405),
        (302, 403, 403, 403, 302, 302),
    ),
    "campaigns/<int:pk>/imports/": ((302, 403, 403, 403, 200, 200), (302, 403, 403, 403, 200, 200)),
    "campaigns/<int:pk>/imports/<int:job_pk>/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "campaigns/<int:pk>/imports/<int:job_pk>/confirm/": (
        (302, 405, 405, 405, 405, 405),
        (302, 403, 403, 403, 302, 302),
    ),
    "campaigns/<int:pk>/imports/<int:job_pk>/status/": ((302, 403, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
    "campaigns/<int:pk>/imports/<int:job_pk>/errors.csv": (
        (302, 403, 200, 200, 200, 200),
        (302, 405, 405, 405, 405, 405),
    ),
    "campaigns/callbacks/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "campaigns/callbacks/<int:pk>/cancel/": ((302, 403, 200, 403, 200, 200), (302, 403, 302, 403, 302, 302)),
    "campaigns/callbacks/<int:pk>/reschedule/": ((302, 403, 200, 403, 200, 200), (302, 403, 400, 403, 400, 400)),
    "campaigns/callbacks/<int:pk>/reassign/": ((302, 403, 200, 403, 200, 200), (302, 403, 302, 403, 302, 302)),
    "campaigns/report/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "campaigns/report/export.csv": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "campaigns/report/summary/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "campaigns/queue/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "campaigns/queue/<int:pk>/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "agent/": ((302, 200, 403, 403, 403, 200), (302, 200, 403, 403, 403, 200)),
    "agent/join/": ((302, 405, 403, 403, 403, 405), (302, 400, 403, 403, 403, 400)),
    "agent/leave/": ((302, 405, 403, 403, 403, 405), (302, 302, 403, 403, 403, 302)),
    "agent/pause/": ((302, 405, 403, 403, 403, 405), (302, 302, 403, 403, 403, 302)),
    "agent/resume/": ((302, 405, 403, 403, 403, 405), (302, 302, 403, 403, 403, 302)),
    "agent/next-call/": ((302, 405, 403, 403, 403, 405), (302, 302, 403, 403, 403, 302)),
    "agent/call-end/": ((302, 405, 403, 403, 403, 405), (302, 400, 403, 403, 403, 400)),
    "agent/notes/": ((302, 405, 403, 403, 403, 405), (302, 302, 403, 403, 403, 302)),
    "agent/attempts/<int:pk>/": ((302, 200, 403, 403, 403, 404), (302, 200, 403, 403, 403, 404)),
    "agent/attempts/<int:pk>/result/": ((302, 405, 403, 403, 403, 405), (302, 400, 403, 403, 403, 404)),
    "agent/attempts/<int:pk>/end/": ((302, 405, 403, 403, 403, 405), (302, 302, 403, 403, 403, 404)),
    "agent/attempts/<int:pk>/redial/": ((302, 405, 403, 403, 403, 405), (302, 400, 403, 403, 403, 404)),
    "agent/redials/<int:pk>/": ((302, 200, 403, 403, 403, 404), (302, 200, 403, 403, 403, 404)),
    "agent/floor/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "agent/floor/live/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "campaigns/rules/": ((302, 403, 200, 200, 200, 200), (302, 403, 403, 403, 400, 400)),
    "campaigns/rules/presets/<slug:slug>/": ((302, 405, 405, 405, 405, 405), (302, 403, 403, 403, 302, 302)),
    "campaigns/<int:pk>/rules/": ((302, 403, 200, 200, 200, 200), (302, 403, 400, 403, 400, 400)),
    "campaigns/<int:pk>/rules/presets/<slug:slug>/": (
        (302, 405, 405, 405, 405, 405),
        (302, 403, 302, 403, 302, 302),
    ),
    "campaigns/do-not-call/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "campaigns/do-not-call/organisation/": ((302, 403, 302, 302, 302, 302), (302, 403, 302, 302, 302, 302)),
    "campaigns/do-not-call/campaign/<int:pk>/": ((302, 403, 302, 302, 302, 302), (302, 403, 302, 302, 302, 302)),
    "campaigns/do-not-call/<int:list_pk>/": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "campaigns/do-not-call/<int:list_pk>/add/": ((302, 405, 405, 405, 405, 405), (302, 403, 400, 403, 400, 400)),
    "campaigns/do-not-call/<int:list_pk>/entries/<int:entry_pk>/remove/": (
        (302, 405, 405, 405, 405, 405),
        (302, 403, 400, 403, 400, 400),
    ),
    "campaigns/do-not-call/<int:list_pk>/export.csv": ((302, 403, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
    "campaigns/do-not-call/<int:list_pk>/imports/": ((302, 403, 200, 403, 200, 200), (302, 403, 200, 403, 200, 200)),
    "campaigns/do-not-call/<int:list_pk>/imports/<int:job_pk>/": (
        (302, 403, 200, 200, 200, 200),
        (302, 403, 200, 200, 200, 200),
    ),
    "campaigns/do-not-call/<int:list_pk>/imports/<int:job_pk>/confirm/": (
        (302, 405, 405, 405, 405, 405),
        (302, 403, 302, 403, 302, 302),
    ),
    "campaigns/do-not-call/<int:list_pk>/imports/<int:job_pk>/status/": (
        (302, 403, 200, 200, 200, 200),
        (302, 405, 405, 405, 405, 405),
    ),
    "campaigns/do-not-call/<int:list_pk>/imports/<int:job_pk>/errors.csv": (
        (302, 403, 200, 200, 200, 200),
        (302, 405, 405, 405, 405, 405),
    ),
    "webhooks/twilio/status/": ((405, 405, 405, 405, 405, 405), (415, 415, 415, 415, 415, 415)),
    "webhooks/ozonetel/": ((405, 405, 405, 405, 405, 405), (415, 415, 415, 415, 415, 415)),
    "webhooks/sip/": ((405, 405, 405, 405, 405, 405), (415, 415, 415, 415, 415, 415)),
    "api/leads/": ((405, 405, 405, 405, 405, 405), (415, 415, 415, 415, 415, 415)),
    "api/dnc/": ((405, 405, 405, 405, 405, 405), (415, 415, 415, 415, 415, 415)),
}


def test_every_url_pattern_is_in_the_table():
    routes = [route.route for route in every_route()]
    assert len(routes) == len(set(routes)), "two URL patterns with the same text"
    assert sorted(set(routes) - set(EXPECTED)) == [], "new URL patterns: give each a row in EXPECTED"
    assert sorted(set(EXPECTED) - set(routes)) == [], "rows for URL patterns that no longer exist"


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_the_expected_status_from_every_url(client, persona):
    client.raise_request_exception = False
    world = build_world()
    user = world.users[persona]
    if user is not None:
        client.force_login(user)
    column = PERSONAS.index(persona)
    wrong = []
    for route in every_route():
        path = world.url(route)
        for method, expected in zip(("GET", "POST"), EXPECTED[route.route], strict=True):
            status = request_rolled_back(client, method, path).status_code
            if status != expected[column]:
                wrong.append(f"{method} {path} ({route.route}): {status}, expected {expected[column]}")
    assert wrong == [], f"{persona}: " + "\n".join(wrong)
