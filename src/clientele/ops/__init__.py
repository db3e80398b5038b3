"""Operating Clientele: the embedded PostgreSQL's status and stop."""
