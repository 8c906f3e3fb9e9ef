import sys

from bot.servicedesk.cli import main

sys.exit(main())
