from rexian.cli import main

raise SystemExit(main())
