#!/usr/bin/env python
"""Django's command-line utility for Guildhall."""

import os
import sys

# Commands that only drive the local Discord emulator: they serve no web request and sign nothing,
# so they run with development settings unless told otherwise (no SECRET_KEY needed).
LOCAL_TOOLS = {"discord_emulator"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in LOCAL_TOOLS:
        os.environ.setdefault("DEBUG", "true")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A configuration mistake is one clear line, not a traceback.
        print(f"guildhall: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
