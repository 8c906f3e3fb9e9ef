"""One Rasa replica in a container (deploy/): ``rasa run`` through bot/rasa_server.py, with CORS for
the pages ASKIT_WIDGET_ORIGINS lists and the public address, as bot/launcher.py gives the Rasa server
it starts. ``python -m bot.rasa_replica run --model ... --enable-api``: the other options are Rasa's.
Standard library only at import, like the two modules it joins.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from bot.launcher import DEFAULT_RASA_PORT, PUBLIC_URL_SETTING, LaunchError, cors_origins

CORS_FLAG = "--cors"


def replica_argv(args: list[str], env: Mapping[str, str]) -> list[str]:
    """``args`` and, unless they set CORS themselves, ``--cors`` with the origins ``env`` allows
    (none listed: no CORS, as with the launcher). LaunchError names a bad origin."""
    if CORS_FLAG in args:
        return args
    public = env.get(PUBLIC_URL_SETTING, "").strip()
    own = "/".join(public.split("/")[:3]) if public else f"http://127.0.0.1:{DEFAULT_RASA_PORT}"
    origins = cors_origins(env, own)
    return [*args, CORS_FLAG, *origins] if origins else args


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    try:
        replica_args = replica_argv(args, os.environ)
    except LaunchError as exc:
        sys.exit(f"rasa server cannot start: {exc}")
    from bot.rasa_server import main as serve

    serve(replica_args)


if __name__ == "__main__":
    main()
