"""Time `rexian evaluate` on synthetic campaigns: 334 × 4 × 10 calls and ten times that.

    python benchmarks/eval_campaign.py [--sizes 334 3340] [--xlsx]

Each step is timed separately: generating, writing the probe file, loading and
validating it (this and the previous campaign), evaluating, and writing each
report. --xlsx also times probe files in XLSX, which openpyxl reads at roughly
10,000 rows a second (CSV is about twenty times faster).
"""

import argparse
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from rexian.evaluation.monitoring.campaign import evaluate
from rexian.evaluation.monitoring.config import load_config
from rexian.evaluation.monitoring.probes import load_probes, write_probes
from rexian.evaluation.monitoring.report_html import write_html
from rexian.evaluation.monitoring.report_json import write_json
from rexian.evaluation.monitoring.report_xlsx import write_xlsx
from rexian.evaluation.monitoring.synthetic import generate_campaign


REPORTS = ("report.json", "report.xlsx", "report.html")


@contextmanager
def timed(figures: dict, name: str):
    """(wall seconds, CPU seconds): CPU time shows the cost even on a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    figures[name] = (time.perf_counter() - wall, time.process_time() - cpu)


def run(hotlines: int, suffix: str, folder: Path) -> dict:
    config = load_config()
    figures: dict[str, tuple[float, float]] = {}
    with timed(figures, "generate"):
        current, previous = generate_campaign(hotlines=hotlines, seed=1)
    paths = folder / f"probes-{hotlines}{suffix}", folder / f"previous-{hotlines}{suffix}"
    with timed(figures, "write probes"):
        write_probes(paths[0], current, config.item_keys)
        write_probes(paths[1], previous, config.item_keys)
    with timed(figures, "load (both)"):
        loaded, loaded_previous = load_probes(paths[0], config), load_probes(paths[1], config)
    with timed(figures, "evaluate"):
        evaluation = evaluate(loaded, config, loaded_previous, probes_file=str(paths[0]), previous_file=str(paths[1]))
    for name, write in zip(REPORTS, (write_json, write_xlsx, write_html)):
        with timed(figures, f"write {name}"):
            write(evaluation, folder / f"{hotlines}-{name}")
    steps = [figures[key] for key in figures if key.startswith(("load", "evaluate", "write report"))]
    figures["load+evaluate+write"] = (sum(wall for wall, _ in steps), sum(cpu for _, cpu in steps))
    print(f"\n{hotlines} hotlines × 4 rounds × 10 calls = {len(current):,} calls per campaign ({suffix[1:]} input)")
    print(f"  {'step':<22} {'wall':>7}   {'CPU':>7}")
    for name, (wall, cpu) in figures.items():
        print(f"  {name:<22} {wall:7.2f} s {cpu:7.2f} s")
    sizes = [(name, (folder / f"{hotlines}-{name}").stat().st_size) for name in REPORTS]
    print("  " + ", ".join(f"{name} {size / 1e6:.2f} MB" for name, size in sizes))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[334, 3340])
    parser.add_argument("--xlsx", action="store_true", help="also time XLSX probe files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for hotlines in args.sizes:
            for suffix in (".csv", ".xlsx") if args.xlsx else (".csv",):
                run(hotlines, suffix, Path(folder))


if __name__ == "__main__":
    main()
