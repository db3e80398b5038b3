"""Organizations: the groups (hospital chains, dealer networks) that customers belong to."""
