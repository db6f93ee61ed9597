"""Errors a user sees. Each names the file, line, column or report it is about.

The command line prints ``str(error)`` without a Python traceback for these, so
the message itself must say what is wrong and where.
"""
from __future__ import annotations


class EvalReportError(Exception):
    """Base class for errors caused by the user's input, not by a bug."""


class QmdSyntaxError(EvalReportError):
    def __init__(self, path, line: int, message: str):
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: {message}")


class UnknownReportError(EvalReportError):
    def __init__(self, slug: str, available: list[str]):
        self.slug, self.available = slug, available
        known = ", ".join(available) or "(ingen)"
        super().__init__(f"Ukendt rapport '{slug}'. Kendte rapporter: {known}")


class CellExecutionFailed(EvalReportError):
    """A code cell raised: names the report, the cell number and the .qmd line."""

    def __init__(self, report: str, path, cell_number: int, line: int, ename: str,
                 evalue: str, traceback: str):
        self.report, self.path, self.cell_number, self.line = report, path, cell_number, line
        self.ename, self.evalue, self.traceback = ename, evalue, traceback
        super().__init__(
            f"Rapporten '{report}' fejlede i celle {cell_number} ({path}:{line}): "
            f"{ename}: {evalue}\n{traceback}"
        )


class DataError(EvalReportError):
    """Bad input data: a missing file or column, a wrong separator, a non-number."""


class DisclosureError(EvalReportError):
    """A published number would break the disclosure rules: names report, table, row, column, rule."""


class CrossRefError(EvalReportError):
    pass


class EngineError(EvalReportError):
    pass
