"""`jupyter easymaker …`: the notebook pod's commands.

jupyter easymaker cont-init [--data-dir D] [--timeout S]   run cont-init.d/ (a container's entrypoint calls it)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .platform import default_data_dir
from .pod import continit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jupyter easymaker", description="AI EasyMaker notebook pod commands.")
    commands = parser.add_subparsers(dest="command", required=True)
    cont_init = commands.add_parser("cont-init", help="Run the start-up scripts in <data dir>/cont-init.d/.")
    cont_init.add_argument("--data-dir", type=Path, help="Default: EM_DATA_DIR, /root/easymaker or ~/easymaker.")
    cont_init.add_argument("--timeout", type=float, default=continit.DEFAULT_TIMEOUT, help="Seconds per script.")
    args = parser.parse_args(argv)

    data_dir = (args.data_dir or default_data_dir()).expanduser()
    results = continit.run_recorded(data_dir, args.timeout)
    for result in results:
        if result.skipped:
            print(f"skipped  {result.name}: {result.skipped}")
        else:
            ending = "timed out" if result.timed_out else f"exit {result.exit_code}"
            print(f"ran      {result.name}: {ending}")
    print(f"Log: {data_dir / continit.LOG_FILE}")
    return 0  # a failing script does not fail the container's start; its record says what happened


if __name__ == "__main__":
    sys.exit(main())
