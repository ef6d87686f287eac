"""Places: the unit tree (tree.py), sites and their import.

The package imports none of its modules, so that any feature may use the tree without loading the
pages: app/__init__.py loads views.py and cli.py, which register the pages and commands on bp.
"""

from __future__ import annotations

from .blueprint import bp

__all__ = ["bp"]
