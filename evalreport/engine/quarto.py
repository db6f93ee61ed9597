"""Choosing the rendering engine, and the Quarto adapter.

``builtin`` is evalreport's own pipeline. ``quarto`` runs ``quarto render`` with
the Jupyter engine for the HTML; WeasyPrint still prints the PDF, so both
engines give the same kind of PDF. ``auto`` means quarto when a ``quarto``
executable is on PATH, otherwise builtin.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from ..errors import EngineError

ENGINES = ("auto", "builtin", "quarto")


def quarto_executable() -> str | None:
    return os.environ.get("EVALREPORT_QUARTO") or shutil.which("quarto")


def resolve_engine(name: str) -> str:
    if name not in ENGINES:
        raise EngineError(f"ukendt motor '{name}' (brug {', '.join(ENGINES)})")
    if name == "auto":
        return "quarto" if quarto_executable() else "builtin"
    if name == "quarto" and not quarto_executable():
        raise EngineError("--engine quarto: der er ingen 'quarto' på PATH")
    return name


def quarto_command(qmd: Path, output_dir: Path, params: dict, quarto: str = "quarto") -> list[str]:
    """The command line for one report: HTML only, self-contained, parameters as -P."""
    cmd = [quarto, "render", str(qmd), "--to", "html", "--output-dir", str(output_dir),
           "--execute", "-M", "embed-resources:true", "-M", "lang:da"]
    for name, value in params.items():
        cmd += ["-P", f"{name}:{value}"]
    return cmd


def run_quarto(qmd: Path, output_dir: Path, params: dict, *, tables_dir: Path) -> str:
    quarto = quarto_executable()
    if quarto is None:
        raise EngineError("der er ingen 'quarto' på PATH")
    env = dict(os.environ, EVALREPORT_TABLES_DIR=str(tables_dir))
    cmd = quarto_command(qmd, output_dir, params, quarto)
    proc = subprocess.run(cmd, cwd=qmd.parent, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise EngineError(f"quarto render fejlede for {qmd} (exit {proc.returncode}):\n"
                          f"{proc.stderr.strip() or proc.stdout.strip()}")
    html = output_dir / (qmd.stem + ".html")
    if not html.exists():
        raise EngineError(f"quarto render skrev ikke {html}")
    text = html.read_text(encoding="utf-8")
    if html.name != "index.html":
        html.unlink()
    return text
