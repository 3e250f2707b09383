"""Read models for the supervisor screens: counts, dashboard, contacts, callbacks, queue, call report."""
