"""Equipment: installed at a customer (or in stock), with a contact person at that customer."""
