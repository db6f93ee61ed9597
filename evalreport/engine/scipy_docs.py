"""Skip SciPy's import-time rewriting of docstrings in the report kernel (half a second).

Since SciPy 1.15, ``scipy._lib._array_api.xp_capabilities`` decorates some 650
functions when ``scipy.stats`` (and so statsmodels) is imported: each docstring is
parsed with numpydoc's ``FunctionDoc`` and written back with a table of the array
libraries the function supports. That is about half a second of every kernel's start
(``python -X importtime``: 0,55 s of scipy.stats' 1,0 s), spent on help texts a report
never shows. :func:`skip_array_api_notes`, run by the kernel's setup code before any
cell, replaces ``FunctionDoc`` in that module with a stand-in that returns the
docstring unchanged; the decorator still records each function's capabilities, and
nothing a function computes changes. If SciPy has no such module or name (another
version), nothing is done.
"""
from __future__ import annotations


class _DocUnchanged:
    """What ``xp_capabilities`` needs of ``FunctionDoc``: a 'Notes' list to append to, and a
    text whose first line (the signature) it drops."""

    def __init__(self, func, *args, **kwargs):
        self._doc = getattr(func, "__doc__", None) or ""
        self._notes: list = []

    def __getitem__(self, section):
        return self._notes

    def __str__(self):
        return "\n" + self._doc


def skip_array_api_notes() -> bool:
    """Patch ``scipy._lib._array_api.FunctionDoc`` (before ``scipy.stats`` is imported);
    True if patched."""
    try:
        from scipy._lib import _array_api
    except ImportError:
        return False
    if not hasattr(_array_api, "FunctionDoc"):
        return False
    _array_api.FunctionDoc = _DocUnchanged
    return True
