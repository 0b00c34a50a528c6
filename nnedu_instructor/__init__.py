"""Tools for instructors: generate student labs, execute notebooks, grade submissions, release a bundle.

Run ``python -m nnedu_instructor --help`` for the commands.
"""
