"""Start the Rasa action server (action-server environment).

Configuration, the index and the embedding model are loaded before the server listens, so a
bad setting stops start-up with a message that names it and the first question is fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

DEFAULT_PORT = 5055
DEFAULT_HOST = "127.0.0.1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.action_server", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", DEFAULT_PORT)))
    parser.add_argument("--host", default=os.environ.get("ACTION_HOST", DEFAULT_HOST))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from actions import services
    from bot.knowledge import KnowledgeError
    from bot.servicedesk import ServiceDeskError

    try:
        services.warm_up()
    except (KnowledgeError, ServiceDeskError) as exc:
        print(f"action server cannot start: {exc}", file=sys.stderr)
        return 2

    from rasa_sdk.endpoint import run
    from rasa_sdk.executor import ActionExecutor

    os.environ["SANIC_HOST"] = args.host  # rasa-sdk reads the bind address from here
    executor = ActionExecutor()
    executor.register_package("actions")
    run(executor, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
