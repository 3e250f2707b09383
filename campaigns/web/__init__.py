"""The supervisor screens under /campaigns/: views, forms and urls."""
