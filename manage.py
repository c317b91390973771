#!/usr/bin/env python
import sys

from kepuqingcheng import entrypoint

if __name__ == "__main__":
    entrypoint.configure()
    entrypoint.load_settings()

    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
