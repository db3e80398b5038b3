"""Caller ID: who is calling, from any number a customer is (or was) reachable on."""
