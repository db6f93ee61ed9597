"""great-tables' cell access for pandas frames, ten times faster, with the same values.

great-tables 1.1.0 builds a table's body one cell at a time: every formatted or escaped cell is read
with ``_get_cell`` and written back with ``_set_cell`` (singledispatch functions on the frame type),
which for pandas are ``DataFrame.iloc[row, col]``. A pandas ``iloc`` write costs about 0,17 ms, and
that was half of what our tables' HTML costs (the BOT report: 2.557 writes, 0,26 s of 0,51 s in the
kernel, on the path every report waits for). :meth:`DataFrame.iat` reads and writes one cell by
position as ``iloc`` does for one cell, without its indexing machinery; a value ``iat`` cannot set
in place (another dtype) it hands to ``iloc`` itself (pandas' ``DataFrame._set_value``).

Why by hand: great-tables has no faster path to hand a finished body to (unformatted cells are
escaped cell by cell too). :func:`use_fast_cell_access` registers the two functions for pandas
frames, once, from :func:`~evalreport.author.tables._render_html.to_gt`; if a later great-tables
moves these functions the registration is skipped and its own are used.
``tests/test_tables.py::test_fast_cell_access_gives_great_tables_own_html`` renders tables with
great-tables' own functions and with these and compares the HTML byte for byte.
"""
from __future__ import annotations

from contextlib import contextmanager

import pandas as pd

_ORIGINAL: dict = {}          # great-tables' own functions while ours are registered
_OWN: list = []               # non-empty inside great_tables_own_cell_access()


def _get_cell(data: pd.DataFrame, row: int, col: str):
    return data.iat[row, _position(data, col)]


def _set_cell(data: pd.DataFrame, row: int, column: str, value) -> None:
    data.iat[row, _position(data, column)] = value


def _position(data: pd.DataFrame, col: str) -> int:
    j = data.columns.get_loc(col)
    if not isinstance(j, int):  # great-tables' own check: a column name must be unique
        raise ValueError("Column named " + col + " matches multiple columns.")
    return j


def use_fast_cell_access() -> bool:
    """Register :func:`_get_cell` and :func:`_set_cell` for pandas frames in great-tables (once).
    Returns whether they are in use."""
    if _ORIGINAL or _OWN:
        return bool(_ORIGINAL)
    try:
        from great_tables import _tbl_data
        get, put = _tbl_data._get_cell, _tbl_data._set_cell
        _ORIGINAL.update(get=get.dispatch(pd.DataFrame), set=put.dispatch(pd.DataFrame))
    except (ImportError, AttributeError):
        return False
    get.register(pd.DataFrame)(_get_cell)
    put.register(pd.DataFrame)(_set_cell)
    return True


@contextmanager
def great_tables_own_cell_access():
    """Within: great-tables' own functions (for the test that compares the two)."""
    if _ORIGINAL:
        from great_tables import _tbl_data
        _tbl_data._get_cell.register(pd.DataFrame)(_ORIGINAL.pop("get"))
        _tbl_data._set_cell.register(pd.DataFrame)(_ORIGINAL.pop("set"))
    _OWN.append(True)
    try:
        yield
    finally:
        _OWN.pop()
        use_fast_cell_access()
