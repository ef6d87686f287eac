"""Each role's home page: the operator's day, the township officer's week, the administrator's
network (services.py holds the queries, views.py picks and renders the page)."""
