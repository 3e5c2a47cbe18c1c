"""`python -m converter`: the `atc` command."""
import sys

from .cli import main

sys.exit(main())
