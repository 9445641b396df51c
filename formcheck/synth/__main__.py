from formcheck.synth.cli import main

raise SystemExit(main())
