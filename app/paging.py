"""Pages of a long list: which page a request asks for, its rows, and links to its neighbours.

A page number that is not a whole number, or is below 1, is the first page; one beyond the last
is the last page: a bad ?page= gets a plain answer, never an error or a query with a huge offset.
The template side is the `pager` macro of templates/_pager.html.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app, request, url_for
from sqlalchemy import Select, func, select

from .extensions import db


@dataclass(frozen=True)
class Page:
    number: int  # 1-based, within 1..pages
    size: int
    total: int  # rows over every page
    arg: str = "page"  # the query argument that carries the number
    anchor: str | None = None  # where a link to another page lands (an element's id)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first_row(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last_row(self) -> int:
        return min(self.offset + self.size, self.total)

    def of(self, rows: Sequence) -> Sequence:
        """This page's part of a list that holds every row."""
        return rows[self.offset:self.offset + self.size]

    def url(self, number: int) -> str:
        """This request's address with another page number; every other argument kept."""
        args = {key: [v for v in values if v] for key, values in request.args.lists()
                if key != self.arg}
        args = {key: values for key, values in args.items() if values}
        if number > 1:
            args[self.arg] = number
        return url_for(request.endpoint, **(request.view_args or {}), **args,
                       _anchor=self.anchor)


def page_size() -> int:
    return int(current_app.config["PAGE_SIZE"])


def page_for(total: int, *, size: int | None = None, arg: str = "page",
             anchor: str | None = None) -> Page:
    """The page the request asks for (?page=), clamped to the pages `total` rows make."""
    size = size or page_size()
    raw = request.args.get(arg, "").strip()
    try:
        number = int(raw) if raw.isdecimal() else 1
    except ValueError:
        number = 1
    pages = max(1, -(-total // size))
    return Page(number=min(max(number, 1), pages), size=size, total=total, arg=arg,
                anchor=anchor)


def count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def paginate(query: Select, *, size: int | None = None, arg: str = "page",
             anchor: str | None = None) -> tuple[list, Page]:
    """One page of a query's rows (by the query's order) and the page; counts every row."""
    page = page_for(count(query), size=size, arg=arg, anchor=anchor)
    rows = db.session.scalars(query.limit(page.size).offset(page.offset)).all()
    return rows, page
