import sys

from bot.incidents.cli import main

sys.exit(main())
