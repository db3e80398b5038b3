"""Customers in and out as CSV: a validated, all-or-nothing import and a streamed export."""
