"""Tools for instructors: generate student labs, execute notebooks, grade submissions, release a bundle.

Run ``python -m nnedu.instructor --help`` for the commands.
"""
