import sys

from bot.insights.cli import main

sys.exit(main())
