"""Read-only reports over tickets and customers; each is one SQL statement on an index."""
