import sys

from bot.knowledge.cli import main

sys.exit(main())
