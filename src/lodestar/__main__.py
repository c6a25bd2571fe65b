"""The `lodestar` console script (and `python -m lodestar`): the command tree and the named command's
modules imported with the garbage collector paused and then frozen (lodestar.kit.collector), then the
command run.

A start's imports leave objects that live as long as the process; with the collector's default pace,
its passes over them were about a third of the start-up time.
"""

from __future__ import annotations

import sys

from lodestar.kit.collector import frozen_imports


def main() -> None:
    """Runs the command the arguments name."""
    with frozen_imports():
        from lodestar.cli import app, load_command

        load_command(sys.argv[1:])
    app()


if __name__ == "__main__":
    main()
