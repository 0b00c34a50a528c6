"""A class of Lab 1 submissions for the similarity report (tests/instructor/test_similarity.py).

Each ``STUDENT.py`` here defines ``ANSWERS = {grade_id: answer}`` for every code answer cell of Lab 1. An answer is
either the whole cell's source (a str) or a list of bodies, one per ``# YOUR CODE HERE`` stub of the student lab's
cell, in order (the student kept the lab's signatures and docstrings and wrote the bodies). ``submit`` writes the
students' notebooks in nbgrader's layout ``DIR/STUDENT/LAB/LAB.ipynb``.

- ana, ben, chloe, dmitri: the lab written independently, each in their own style;
- erin: the lab's alternative correct submission (``tests/instructor/alternatives/lab1_backprop.py``);
- mallory: a planted copy of ``nnedu/layers.py`` (renamed) in her ``linear`` and ``activations`` answers;
- trent and uma: uma's ``two_layer_loss`` is trent's with renamed variables; the rest is their own.
"""
import importlib.util
import re
import textwrap
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
LAB = "lab1_backprop"
STUB = re.compile(r"^([ \t]*)# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)$", re.M)
HONEST = ["ana", "ben", "chloe", "dmitri", "erin"]
PLANTED = "mallory"
PAIR = ("trent", "uma")
STUDENTS = HONEST + [PLANTED, *PAIR]


def answers(student):
    """The student's ``ANSWERS`` (erin's are the lab's alternative submission)."""
    path = HERE.parent / "alternatives" / f"{LAB}.py" if student == "erin" else HERE / f"{student}.py"
    spec = importlib.util.spec_from_file_location(f"similarity_class_{student}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ANSWERS


def fill(stub_source, answer):
    """The cell's source once the student answered: ``answer`` itself, or the stub's bodies filled in."""
    if isinstance(answer, str):
        return answer.strip("\n")
    stubs = STUB.findall(stub_source)
    if len(stubs) != len(answer):
        raise ValueError(f"{len(answer)} bodies for {len(stubs)} stubs")
    bodies = iter(answer)
    return STUB.sub(lambda m: textwrap.indent(textwrap.dedent(next(bodies)).strip("\n"), m.group(1)),
                    stub_source)


def submit(lab_path, folder, students=STUDENTS):
    """Write each student's filled-in copy of the student lab at ``lab_path``; return their paths."""
    paths = []
    for student in students:
        nb = nbformat.read(lab_path, as_version=4)
        given = answers(student)
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in given and cell.metadata["nbgrader"].get("solution"):
                cell.source = fill(cell.source, given[gid])
        path = Path(folder) / student / LAB / f"{LAB}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        paths.append(path)
    return paths
