"""Agent workspace services, split by purpose: sessions, presence, allocation, wrap-up."""
