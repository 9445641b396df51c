from formcheck.interrupts import StopSignals

# A Ctrl-C while the command line is still being imported: one line, exit 130 (main() takes over).
StopSignals().install()

from formcheck.cli import main  # noqa: E402

raise SystemExit(main())
