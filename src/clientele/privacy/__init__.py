"""Personal data rights (DPDP Act 2023): erase, export, and the access log (issue #18)."""
