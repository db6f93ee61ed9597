"""Fixed prices and discounting, checked by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import costs

IDX = {2019: 90.0, 2020: 92.0, 2021: 95.0, 2022: 100.0}


def test_constants():
    assert costs.DISCOUNT_RATE == 0.035
    assert costs.PROJECT_START == "2019-06"
    assert "Finansministeriet" in costs.__doc__


def test_deflate_by_hand():
    assert costs.deflate(920.0, 2020, IDX) == pytest.approx(1000.0)
    assert costs.deflate(500.0, 2022, IDX) == 500.0
    assert costs.deflate(900.0, 2019, IDX, base_year=2020) == pytest.approx(920.0)
    v = costs.deflate(np.array([90.0, 95.0]), np.array([2019, 2021]), IDX)
    np.testing.assert_allclose(v, [100.0, 100.0])
    s = costs.deflate(pd.Series([92.0], index=["a"]), 2020, IDX)
    assert s.loc["a"] == pytest.approx(100.0)
    with pytest.raises(KeyError, match="2018"):
        costs.deflate(1.0, 2018, IDX)


def test_discount_factor_by_hand():
    assert costs.discount_factor(0) == 1.0
    assert costs.discount_factor(1) == pytest.approx(1 / 1.035)
    assert costs.discount_factor(2, rate=0.05) == pytest.approx(1 / 1.05 ** 2)
    assert costs.discount_factor(0.5) == pytest.approx(1.035 ** -0.5)
    np.testing.assert_allclose(costs.discount_factor(np.array([1.0, 3.0])), [1.035 ** -1, 1.035 ** -3])


def test_present_value_by_hand():
    flows = pd.DataFrame({
        "fid": [1, 1, 1, 2],
        "month": ["2019-06", "2020-01", "2021-06", "2022-06"],
        "kr": [1000.0, 920.0, 950.0, 100.0],
    })
    pv = costs.present_value(flows, id_col="fid", time_col="month", amount_col="kr", price_index=IDX,
                             start="2019-06")
    f1 = (1000 * 100 / 90) + (920 * 100 / 92) * 1.035 ** (-7 / 12) + (950 * 100 / 95) * 1.035 ** -2
    f2 = 100 * 1.035 ** -3
    assert pv.loc[1] == pytest.approx(f1, rel=1e-12)
    assert pv.loc[2] == pytest.approx(f2, rel=1e-12)
    assert list(pv.index) == [1, 2]
    # timestamps and periods give the same result
    f_ts = flows.assign(month=pd.to_datetime(flows["month"]) + pd.Timedelta(days=14))
    pv_ts = costs.present_value(f_ts, id_col="fid", time_col="month", amount_col="kr", price_index=IDX,
                               start="2019-06")
    np.testing.assert_allclose(pv_ts.to_numpy(), pv.to_numpy(), rtol=1e-12)
    # another rate and start
    pv0 = costs.present_value(flows, id_col="fid", time_col="month", amount_col="kr", price_index=IDX,
                              start="2020-06", rate=0.0)
    assert pv0.loc[2] == pytest.approx(100.0)


def test_per_year_and_window():
    assert costs.window_years("2020-01", "2023-03") == 3.25
    assert costs.per_year(207.0, 3.25) == pytest.approx(63.6923, rel=1e-4)
    with pytest.raises(ValueError):
        costs.per_year(1.0, 0)
