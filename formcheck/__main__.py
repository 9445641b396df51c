# Guarded: the worker processes of `review --jobs N` import this module too (as __mp_main__).
if __name__ == "__main__":
    from formcheck.interrupts import StopSignals

    # A Ctrl-C while the command line is still being imported: one line, exit 130.
    StopSignals().install()

    from formcheck.cli import main

    raise SystemExit(main())
