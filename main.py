"""ShotHook: `uv run main.py` opens the window; `uv run main.py --headless ...` runs without one.

Flags are described by `uv run main.py --help` and in README.md.
"""

from __future__ import annotations

import sys

from capture.cli.exits import Exit
from capture.cli.flags import UsageError, parse_args, query_asked
from capture.cli.report import asked as report_asked


def main(argv: list[str]) -> int:
    try:
        args = parse_args(argv)
    except UsageError as exc:
        print(f"shothook: {exc} (see --help)", file=sys.stderr)
        return Exit.CONFIG
    resend = (args.resend, args.to) != (None, None) or args.new_request_id
    modes = (
        args.webhook_only,
        args.check_storage,
        args.load is not None,
        args.conformance is not None,
        query_asked(args),
        resend,
        args.export is not None or args.export_keep_auth,
        report_asked(args),
    )
    if args.headless or any(modes):
        from capture.cli import headless
        from capture.errors import install_excepthooks, print_crash

        install_excepthooks(print_crash)
        return headless.run(args)
    from gui.app import run_window

    return run_window(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
