"""sdlab's control plane: bring the lab up and down, watch it and steer it.

`python -m lab --help` lists the commands; the Makefile calls them.
"""
