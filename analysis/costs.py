"""Cost conventions for municipal business cases: fixed prices and discounting.

Conventions (used by the OtO report and by its synthetic data generator):

* **Prices.** Nominal kroner of calendar year ``y`` are converted to
  ``base_year`` prices (default 2022) with an annual price index:
  ``real = nominal * index[base_year] / index[y]``.
* **Discount rate.** :data:`DISCOUNT_RATE` = 3.5 % a year, the socio-economic
  discount rate recommended by Finansministeriet (2021): *Dokumentationsnotat –
  den samfundsøkonomiske diskonteringsrente*, januar 2021.
* **Timing.** Flows are dated by calendar month (``"YYYY-MM"``, a
  ``pandas.Period`` or a timestamp, which is truncated to its month). A flow in
  month ``m`` is discounted to the start month ``m0`` (the project start,
  :data:`PROJECT_START` = June 2019) by whole months, ``t = (m - m0) / 12``
  years, with factor ``(1 + r) ** -t``: the annual effective rate applied at
  monthly resolution (equivalently a monthly rate of ``(1 + r) ** (1/12) - 1``).
  Flows dated before the start month get ``t < 0`` and are compounded forward.

No maintained library implements these two-line conventions (numpy-financial
only handles equally spaced flows without a price index), so they are written
out here.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

#: Socio-economic discount rate, Finansministeriet (2021), 3.5 % a year.
DISCOUNT_RATE = 0.035
#: Price base of the business case.
BASE_YEAR = 2022
#: Project start (randomisation, June 2019): the discounting origin.
PROJECT_START = "2019-06"


def _index_lookup(years, price_index: Mapping[int, float]) -> np.ndarray:
    years_arr = np.atleast_1d(np.asarray(years))
    out = np.empty(years_arr.shape, dtype=float)
    for i, y in enumerate(years_arr.ravel()):
        key = int(y)
        if key not in price_index:
            raise KeyError(f"price index has no value for year {key} (has {sorted(price_index)})")
        out.ravel()[i] = float(price_index[key])
    return out


def deflate(amount, year, price_index: Mapping[int, float], base_year: int = BASE_YEAR):
    """Convert nominal ``amount`` of ``year`` to ``base_year`` prices.

    ``amount`` and ``year`` may be scalars or equally long arrays/Series.
    Returns a float for scalar input, otherwise an ndarray (or a Series with the
    index of ``amount`` when ``amount`` is a Series).
    """
    price_index = {int(k): float(v) for k, v in price_index.items()}
    base = _index_lookup([base_year], price_index)[0]
    factor = base / _index_lookup(year, price_index)
    if np.isscalar(amount) and np.ndim(year) == 0:
        return float(amount) * float(factor[0])
    values = np.asarray(amount, dtype=float) * (factor if np.ndim(year) else factor[0])
    if isinstance(amount, pd.Series):
        return pd.Series(values, index=amount.index, name=amount.name)
    return values


def discount_factor(t_years, rate: float = DISCOUNT_RATE):
    """``(1 + rate) ** -t_years``; scalar in, float out; array in, ndarray out."""
    if rate <= -1:
        raise ValueError("rate must be greater than -1")
    out = np.power(1.0 + rate, -np.asarray(t_years, dtype=float))
    return float(out) if out.ndim == 0 else out


def _months(values) -> np.ndarray:
    """Month ordinal (year*12 + month-1) of 'YYYY-MM' strings, Periods or timestamps."""
    periods = pd.PeriodIndex(pd.to_datetime(pd.Series(values).astype(str)), freq="M") \
        if not isinstance(values, pd.PeriodIndex) else values
    return (periods.year.to_numpy() * 12 + periods.month.to_numpy() - 1).astype(int)


def months_from_start(months, start: str = PROJECT_START) -> np.ndarray:
    """Whole months from ``start`` to each month in ``months`` (negative before start)."""
    return _months(months) - _months([start])[0]


def present_value(flows: pd.DataFrame, *, id_col: str, time_col: str, amount_col: str,
                  price_index: Mapping[int, float], base_year: int = BASE_YEAR,
                  start: str, rate: float = DISCOUNT_RATE) -> pd.Series:
    """Present value per id of nominal monthly flows, in ``base_year`` prices.

    Each row is one nominal flow dated by ``time_col`` (month). It is converted
    to ``base_year`` prices with the index of its calendar year and discounted
    to ``start`` by whole months (module docstring). Returns a float Series
    indexed by id (sorted), named ``amount_col``. Select the window (e.g. Jan
    2020 – Mar 2023) before calling; every row passed is included.
    """
    for col in (id_col, time_col, amount_col):
        if col not in flows.columns:
            raise ValueError(f"flows has no column '{col}'")
    if flows[amount_col].isna().any():
        raise ValueError(f"flows column '{amount_col}' has missing values")
    months = _months(flows[time_col].to_numpy())
    years = months // 12
    real = np.asarray(flows[amount_col], dtype=float) * (
        float(price_index[base_year]) / _index_lookup(years, {int(k): float(v) for k, v in price_index.items()}))
    t = (months - _months([start])[0]) / 12.0
    pv = real * discount_factor(t, rate)
    return pd.Series(pv, index=flows[id_col].to_numpy()).groupby(level=0).sum().rename(amount_col) \
        .rename_axis(id_col)


def per_year(total, years: float):
    """Average per year: ``total / years`` (e.g. 3.25 years for Jan 2020 – Mar 2023)."""
    if years <= 0:
        raise ValueError("years must be positive")
    return total / years


def window_years(first_month: str, last_month: str) -> float:
    """Length in years of an inclusive month window: Jan 2020 – Mar 2023 → 39/12 = 3.25."""
    return (int(_months([last_month])[0] - _months([first_month])[0]) + 1) / 12.0


# ---------------------------------------------------------------------------
# Cost assessment of a programme: priced hours, annualised establishment costs,
# cost per participant, and budget scenarios (Socialstyrelsen's cost model and SØM)
# ---------------------------------------------------------------------------
#: Effective working hours a year of a public employee (Finansministeriet 2006) and the overhead
#: on wage costs used in Socialstyrelsen's cost model.
HOURS_PER_YEAR_NORM = 1418.0
WAGE_OVERHEAD = 0.20


def hourly_cost(annual_wage, hours_per_year: float = HOURS_PER_YEAR_NORM, overhead: float = WAGE_OVERHEAD):
    """Cost of one hour: annual wage / hours a year × (1 + overhead)."""
    if hours_per_year <= 0:
        raise ValueError("hours_per_year must be positive")
    return np.asarray(annual_wage, dtype=float) / hours_per_year * (1.0 + overhead) \
        if np.ndim(annual_wage) else float(annual_wage) / hours_per_year * (1.0 + overhead)


def price_resources(records: pd.DataFrame, wages: Mapping[str, float], *, staff_col: str = "staff",
                    hours_col: str = "hours", expenses_col: str = "expenses",
                    hours_per_year: float = HOURS_PER_YEAR_NORM, overhead: float = WAGE_OVERHEAD) -> pd.Series:
    """Kroner of each resource record: hours × hourly cost of the staff type + other expenses.

    A record with hours must name a staff type found in ``wages`` (ValueError otherwise)."""
    staff = records[staff_col]
    has_hours = records[hours_col].fillna(0) > 0
    unknown = sorted(set(staff[has_hours].dropna()) - set(wages)) + (
        ["(missing)"] if staff[has_hours].isna().any() else [])
    if unknown:
        raise ValueError(f"no wage for staff type(s): {', '.join(map(str, unknown))}")
    rate = staff.map(lambda s: hourly_cost(wages[s], hours_per_year, overhead) if s in wages else 0.0)
    return records[hours_col].fillna(0) * rate + records[expenses_col].fillna(0)


def annuity_factor(years: int, rate: float, due: bool = True) -> float:
    """Σ (1 + rate)^-t over t = 0..years-1 (annuity due, payments at the start of each year) or
    t = 1..years (ordinary annuity). An investment of I a year over ``years`` costs I / factor."""
    if years < 1:
        raise ValueError("years must be at least 1")
    ts = range(0, years) if due else range(1, years + 1)
    return float(sum((1.0 + rate) ** -t for t in ts))


def annualise(investment: float, years: int, rate: float) -> float:
    """Equal yearly cost (annuity due) of an investment written off over ``years`` at ``rate``."""
    return float(investment) / annuity_factor(years, rate, due=True)


def present_value_of_annual(annual: float, years: int, rate: float) -> float:
    """Present value of ``annual`` kroner a year in years 1..``years`` (ordinary annuity)."""
    return float(annual) * annuity_factor(years, rate, due=False)


def scenario_net(cost: float, consequences: Mapping[str, float], prices: pd.DataFrame, *,
                 years: int, rate: float, cost_payer: str = "kommune") -> pd.Series:
    """Budget result of one scenario by payer: present value of the consequences minus the cost.

    ``consequences``: units a year by consequence (e.g. {'arbejdsmarked': 6, 'socialpaed': -4}:
    six more weeks a year in work, four fewer days of support). ``prices``: columns consequence,
    payer, annual_value (kroner gained per unit a year). The cost is borne by ``cost_payer``.
    Returns net kroner by payer plus 'samlet' (the sum)."""
    payers = sorted(set(prices["payer"]) | {cost_payer})
    net = pd.Series(0.0, index=payers)
    for cons, units in consequences.items():
        p = prices[prices["consequence"] == cons]
        if p.empty:
            raise ValueError(f"no price for consequence '{cons}'")
        for payer, value in zip(p["payer"], p["annual_value"]):
            net[payer] += present_value_of_annual(float(value) * float(units), years, rate)
    net[cost_payer] -= float(cost)
    net["samlet"] = net.sum()
    return net
