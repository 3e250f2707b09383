"""Every write of the campaigns app, one module per noun; each service is one transaction."""
