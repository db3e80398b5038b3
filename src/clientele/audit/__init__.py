"""The audit trail: every admin action (who, what, when, outcome), written in one place.

API routes that require the admin role are audited by `clientele.transactions` (keyed on the
route's required role, never route by route); token and user management is audited by the
services in `clientele.auth`, which only the command line reaches.
"""
