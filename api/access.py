"""Who may use which route: one table, checked for every request by :func:`api.deps.authorize`.

Each route is named (its endpoint function's name) in :data:`ACCESS` with the roles that may
call it, or in :data:`PUBLIC`. A route in neither makes the service refuse to start, and the
access-matrix test calls every route as every role on an own and a foreign case.

Case scope: a route with ``{case_id}`` in its path reaches the case only through
:func:`api.deps.visible_case`; an external counsel's user reaches only the cases assigned to its
firm, and for any other case the answer is 404, the same as for a case that does not exist.
The role check comes first and does not depend on the case, so a refused role learns nothing
about which cases exist."""

from __future__ import annotations

from api.models import Role

STAFF = frozenset({Role.legal_staff})
READERS = frozenset({Role.legal_staff, Role.manager, Role.admin})
EVERYONE = frozenset(Role)
ASSIGNERS = frozenset({Role.manager, Role.admin})
ADMIN = frozenset({Role.admin})
AUDITORS = frozenset({Role.manager, Role.admin})

#: Routes anyone may call: signing in and out, the health check, a calendar feed (its secret
#: address is its credential) and the dashboard's pages (which send a visitor without a session
#: to the login page themselves). The dashboard's form that starts a packet (``page_case_job``)
#: checks the case first (404 as for any case the user may not see), then the roles of
#: ``start_job`` below, then its form token.
PUBLIC = frozenset({
    "health", "login", "logout", "calendar_feed",
    "page_login", "page_login_submit", "page_logout", "page_index", "page_case", "page_case_job",
    # the API documentation (/docs) and its scripts, served by the service itself
    "swagger_ui_html", "swagger_ui_bundle_js", "swagger_ui_css", "swagger_favicon_png",
})

#: Route name -> roles allowed. External counsel: its cases' record, clocks, outputs and
#: downloads, and its own calendar, nothing else (it neither edits nor generates).
ACCESS: dict[str, frozenset[Role]] = {
    "me": EVERYONE,
    "my_calendar": EVERYONE,
    "rotate_calendar": EVERYONE,
    # cases
    "list_cases": EVERYONE,
    "import_case": STAFF,
    "read_case": EVERYONE,
    "update_case": STAFF,
    "add_event": STAFF,
    "assign_case": ASSIGNERS,
    # evidence
    "upload_evidence": STAFF,
    "list_evidence": READERS,
    "download_evidence": READERS,
    # jobs and outputs
    "start_job": STAFF,
    "read_job": EVERYONE,
    "list_jobs": READERS,
    "list_outputs": EVERYONE,
    "download_output": EVERYONE,
    # deadlines
    "case_deadlines": EVERYONE,
    "portfolio_deadlines": EVERYONE,
    "recompute_deadlines": frozenset({Role.legal_staff, Role.manager}),
    # audit
    "case_audit": AUDITORS,
    "audit_log": AUDITORS,
    "audit_export": AUDITORS,
    # administration
    "list_users": ADMIN,
    "create_user": ADMIN,
    "update_user": ADMIN,
    "list_firms": ASSIGNERS,
    "create_firm": ADMIN,
    "create_token": ADMIN,
    "list_tokens": ADMIN,
    "revoke_token": ADMIN,
}

#: Roles that see identity and phone numbers in full where a case is shown whole (the case
#: record, the documents): those who draft and file. Lists always mask them.
SEES_IDENTIFIERS = frozenset({Role.legal_staff, Role.external_counsel})
