"""Run every benchmark in bench/ (each a script with a main()); `make bench` calls this.

Benchmarks are not tests: each measures its target beside a baseline taken in the same run and
prints both, and docs/performance.md records the figures.

    DEBUG=1 .venv/bin/python bench/run.py [--full] [name ...]

Every bench/*.py with a main() runs, in name order (files starting with "_" are helpers); names
limit the run to those scripts. Scripts with `QUICK_BY_DEFAULT = True` (push, kpi) run at a small
size unless `--full` is given, which runs them at the size docs/performance.md reports; the others
always run at their documented size.
"""

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(names: list[str]) -> int:
    full = "--full" in names
    names = [n for n in names if n != "--full"]
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != "run.py" and not p.name.startswith("_"))
    if names:
        scripts = [p for p in scripts if p.stem in names]
    if not scripts:
        print("No benchmarks found in bench/.")
        return 0
    for script in scripts:
        spec = importlib.util.spec_from_file_location(script.stem, script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if hasattr(module, "main"):  # helper modules (bench settings, urls) have none
            print(f"== {script.stem}")
            if full and getattr(module, "QUICK_BY_DEFAULT", False):
                module.main(["--full"])
            else:
                module.main()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    sys.exit(main(sys.argv[1:]))
