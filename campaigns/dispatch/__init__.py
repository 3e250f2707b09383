"""Dispatch: claim due redial requests, dial them through a backend, sweep expired leases; their tasks."""
