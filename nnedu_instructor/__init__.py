"""Tools for instructors: generate student labs, execute notebooks, grade submissions, release the course.

Run ``python -m nnedu_instructor --help`` for the commands. The pipeline, module by module:

  solutions/LAB.ipynb  --labs-->  labs/LAB.ipynb            cells (nbgrader's cell metadata), labs (strip solutions
                                                            and hidden tests), execute (committed outputs)
  lectures/, labs/, nnedu/  --release-->  the students'     release (+ student/: the course's own README, Makefile,
                                          course repository  binder/, lock)
  homes or nbgrader's exchange  --collect-->  submitted/    collect (no links followed, collection time kept)
  submitted/STUDENT/LAB/LAB.ipynb  --grade-->               graded_lab (a lab: solution, data, probes, rules),
        grades CSV + feedback, or nbgrader's gradebook      grade (preflight, then each submission), sandbox + cgroup
                                                            + kernel (the contained kernel), probes + probe_io +
                                                            probe_kit (checks the kernel cannot fake), rules + forbid
                                                            (what a lab's answers may not use), messages + report +
                                                            grades_csv (what the student and the instructor read),
                                                            nbgrader_* (the same scores inside nbgrader's autograde;
                                                            one test cell regraded), outputs (what formgrader shows)
  submissions  --similarity-->  an HTML report              similarity, similarity_report (flags, never deductions)

files holds the one notebook reader, atomic writer and safe remover the others use.
"""
