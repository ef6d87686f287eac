"""Sync: bundles carry a site's records to the township hub and the hub's plans back (#6)."""
