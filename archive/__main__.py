"""`python -m archive` runs the command line."""

from .cli import main

main()
