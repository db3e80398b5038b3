"""The T1.2 legacy migration: plan, migrate (expand, online), verify, rollback, finalize.

docs/legacy-migration.md is the operator runbook and explains the design.
"""
