"""`python -m comity.cli`, the same as the console script (tests run it in a subprocess)."""

from comity._console import main

main()
