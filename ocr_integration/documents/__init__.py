"""Identity-document standards and cross-checks, in plain Python.

Nothing in this package imports Django or any other part of the project: it is a library of
rules (ICAO 9303 MRZ, Emirates ID, GB 11643 Chinese resident ID, bank cards) that takes
``today`` as an argument and never reads the clock.
"""
