"""``python -m tools.sample``: the same as ``make sample``."""

from tools.sample.make_sample import main

main()
