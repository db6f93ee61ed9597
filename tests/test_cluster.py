"""Builds on a real Dask cluster (dask.distributed.LocalCluster: a scheduler and two worker
processes on this machine): the same bytes as the local executor, a worker killed in the
middle of a build, a variant refused by the disclosure rules, one report whose kernel
spreads its work over the workers, and the checks before anything is submitted."""
import functools
import os
import shutil

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

distributed = pytest.importorskip("distributed")

import evalreport.cluster as EC  # noqa: E402
from evalreport.author.cluster import ClusterMap  # noqa: E402
from evalreport.cli import main  # noqa: E402
from evalreport.config import load_project  # noqa: E402
from matrix_toy import make_matrix_project, tree  # noqa: E402

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as c:
        yield c


def build(args, capsys):
    capsys.readouterr()
    code = main(["build", *args])
    return code, capsys.readouterr().err


def test_matrix_on_the_cluster_gives_the_local_bytes_and_refuses_the_small_variant(cluster, tmp_path,
                                                                                   monkeypatch, capsys):
    project = make_matrix_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, err = build(["demo", "--matrix", "--scheduler", cluster.scheduler_address], capsys)
    assert code == 0, err
    version = project.output_dir / "reports" / "demo" / "1.0.0"
    assert sorted(p.name for p in version.iterdir() if p.is_dir()) == ["aarhus", "odense", "tables"]
    assert "Varianten 'laesoe' (kommune = Læsø) af 'demo' udgives ikke" in err
    assert "[demo/odense] sendt til klyngen" in err and "[demo/odense] færdig: " in err
    assert (version / "odense" / "demo-1.0.0-odense.pdf").is_file()
    on_cluster = tree(project.output_dir)
    # the workers' cache entries came home: locally, the published builds are up to date
    code, err = build(["demo", "--matrix", "-j", "2"], capsys)
    assert code == 0 and err.count("uændret") == 3, err
    assert tree(project.output_dir) == on_cluster
    # built afresh by local processes: byte for byte the same site
    shutil.rmtree(project.output_dir)
    shutil.rmtree(tmp_path / ".evalreport-cache")
    code, err = build(["demo", "--matrix", "-j", "2"], capsys)
    assert code == 0, err
    local = tree(project.output_dir)
    assert sorted(set(local) ^ set(on_cluster)) == []             # names of files only one side has
    assert [name for name in local if local[name] != on_cluster[name]] == []


def test_a_worker_killed_mid_build_is_retried_and_the_site_stays_whole(cluster, tmp_path, monkeypatch,
                                                                       capsys):
    project = make_matrix_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "kill-once-Odense"
    marker.write_text("", encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "946728000")     # the caller's, not in the workers' environment
    code, err = build(["demo", "--variant", "odense", "--variant", "aarhus", "--to", "html",
                       "--scheduler", cluster.scheduler_address], capsys)
    assert code == 0, err
    assert not marker.exists()                    # the first try removed it and killed its worker
    for name, text in (("odense", "Tabel 1 viser effekten for Odense."), ("aarhus", "for Aarhus.")):
        folder = project.output_dir / "reports" / "demo" / "1.0.0" / name
        page = (folder / "index.html").read_text(encoding="utf-8")
        assert text in page
        stamp = BeautifulSoup(page, "html.parser").select_one("#build-stamp").get_text(" ", strip=True)
        assert "2000" in stamp and "2026" not in stamp, stamp
        assert {p.name for p in (folder / "tables").iterdir()} == {
            "tbl-main.display.csv", "tbl-main.raw.csv", "tbl-main.json"}
    assert list((project.output_dir / ".staging").iterdir()) == []
    client = distributed.Client(cluster.scheduler_address, set_as_default=False)
    try:
        client.wait_for_workers(2, timeout=60)    # the nanny restarted the killed worker
    finally:
        client.close()


def test_one_report_builds_here_and_its_kernel_maps_over_the_workers(cluster, tmp_path, monkeypatch,
                                                                     capsys):
    (tmp_path / "_quarto.yml").write_text("project:\n  output-dir: _site\n", encoding="utf-8")
    (tmp_path / "reports" / "solo").mkdir(parents=True)
    (tmp_path / "reports" / "solo" / "index.qmd").write_text(
        "---\ntitle: Solo\nversion: 1.0.0\n---\n\n```{python}\n#| include: false\nimport os\n"
        "from evalreport.author import cluster_map\nm = cluster_map()\n"
        "pids = set(m(lambda _: os.getpid(), range(6)))\n"
        "spread = type(m).__name__ == 'ClusterMap' and os.getpid() not in pids\n```\n\n"
        "Blokkene kørte på klyngens arbejdere: `{python} spread`.\n", encoding="utf-8")
    load_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(EC.SCHEDULER_ENV, raising=False)
    code, err = build(["solo", "--to", "html", "--scheduler", cluster.scheduler_address], capsys)
    assert code == 0, err
    page = (tmp_path / "_site" / "reports" / "solo" / "1.0.0" / "index.html").read_text(encoding="utf-8")
    assert "Blokkene kørte på klyngens arbejdere: True." in page
    assert EC.SCHEDULER_ENV not in os.environ                    # put back as it was


def test_cluster_map_keeps_the_order_and_sends_the_fixed_data_once(cluster):
    big = np.arange(200_000, dtype=float).reshape(1000, 200)
    items = [np.full(200, k, dtype=float) for k in range(7)]
    mapper = ClusterMap(cluster.scheduler_address)
    try:
        got = mapper(functools.partial(np.dot, big), items)
    finally:
        mapper.client().close()
    expected = list(map(functools.partial(np.dot, big), items))
    assert len(got) == 7 and all(np.array_equal(a, b) for a, b in zip(got, expected))


def _matching_sample(seed: int, n: int, cut: float):
    """A small sample for psm: two covariates, selection on the first, two outcomes."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    t = (X["a"] + rng.logistic(size=n) > cut).astype(int).to_numpy()
    Y = np.column_stack([rng.normal(size=n) + 0.3 * t, rng.random(n)])
    return X, t, Y


def test_psm_samples_on_the_cluster_equal_the_local_pool(cluster):
    from analysis import psm

    n = 400
    X, t, Y = _matching_sample(5, n, 1.2)
    spec = {"r": psm.MatchingSpec("ridge", bandwidth=0.1)}
    tasks = [psm.SampleTask(key, rows, t, X, Y, spec, seed=np.random.SeedSequence([7, i]))
             for i, (key, rows) in enumerate({"alle": np.arange(n), "halv": np.arange(0, n, 2)}.items())]
    here = psm.estimate_samples(tasks, n_boot=15, workers=1)
    mapper, sent = ClusterMap(cluster.scheduler_address), []

    def recording(function, items):
        sent.append([task.key for task in items])
        return mapper(function, items)

    try:
        there = psm.estimate_samples(tasks, n_boot=15, mapper=recording)
    finally:
        mapper.client().close()
    assert sent == [["alle", "halv"]] and list(there) == ["alle", "halv"]     # heaviest first, one map
    for key in here:
        pd.testing.assert_frame_equal(there[key].frame, here[key].frame, check_exact=True)
        assert np.array_equal(there[key].index, tasks[[t.key for t in tasks].index(key)].rows)


def test_psm_bootstrap_blocks_on_the_cluster_give_the_same_replicates(cluster):
    from analysis import psm

    X, t, Y = _matching_sample(8, 300, 1.0)
    specs = {"r": psm.MatchingSpec("ridge", bandwidth=0.1), "k": psm.MatchingSpec("kernel", bandwidth=0.2)}
    n_boot = 2 * psm.BOOT_BLOCK + 5                               # three blocks, the last one short
    here = psm.estimate_att(t, X, Y, specs, n_boot=n_boot, seed=3, keep_replicates=True)
    mapper, blocks = ClusterMap(cluster.scheduler_address), []

    def recording(function, items):
        items = list(items)
        blocks.append([len(b) for b in items])
        return mapper(function, items)

    try:
        there = psm.estimate_att(t, X, Y, specs, n_boot=n_boot, seed=3, keep_replicates=True, mapper=recording)
    finally:
        mapper.client().close()
    assert blocks == [[psm.BOOT_BLOCK, psm.BOOT_BLOCK, 5]]
    pd.testing.assert_frame_equal(there.frame, here.frame, check_exact=True)
    for name in specs:
        assert np.array_equal(there.replicates[name], here.replicates[name], equal_nan=True)


def test_a_worker_with_another_installation_stops_the_build_before_anything_runs(cluster, tmp_path,
                                                                                 monkeypatch, capsys):
    make_matrix_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    real = EC.environment()
    other = {**real, "packages": {**real["packages"], "numpy": "0.0.1"}}
    monkeypatch.setattr(EC, "environment", lambda: other)     # this machine; the workers are real
    code, err = build(["demo", "--matrix", "--to", "html", "--scheduler", cluster.scheduler_address], capsys)
    assert code == 2
    assert "har ikke samme installation som denne maskine: pakker: numpy" in err
    assert not (tmp_path / "_site" / "reports").exists()


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch, capsys):
    make_matrix_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(EC, "CONNECT_TIMEOUT", 2)
    code, err = build(["demo", "--matrix", "--to", "html", "--scheduler", "tcp://127.0.0.1:9"], capsys)
    assert code == 2 and "Kan ikke forbinde til Dask-scheduleren tcp://127.0.0.1:9" in err
