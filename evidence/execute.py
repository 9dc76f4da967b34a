"""Temporary alias: the executor moved to evidence.build.execute."""
import sys

from evidence.build.execute import main

if __name__ == "__main__":
    sys.exit(main())
