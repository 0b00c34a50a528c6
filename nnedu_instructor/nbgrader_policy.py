"""The course's nbgrader plug-ins for deadlines and grade export (run in nbgrader's environment).

``PercentPerDayLate``: ``c.AssignLatePenalties.plugin_class``. The penalty of a late submission is
``min(score, score * percent_per_day / 100 * days)`` where ``days`` counts every started day after the due date
(1 second late: one day). nbgrader computes it at ``autograde`` from the exchange's timestamp (``timestamp.txt``,
written by ``nbgrader submit``, never a file time a student sets) and the assignment's due date in the gradebook,
on the score known then: rerun ``nbgrader autograde LAB --student S`` after changing a late student's manual
scores to recompute it (nbgrader keeps manual scores across a regrade).

``LmsExport``: ``nbgrader export --exporter=nnedu_instructor.nbgrader_policy.LmsExport --LmsExport.lms=canvas
--to=upload.csv``: one row per student of nbgrader's roster (no submission: 0), one column per assignment with
the final score (automatic + manual - late penalty).

- ``canvas``: Canvas's gradebook import: ``Student`` ("Last, First"), ``ID``, ``SIS User ID``, ``SIS Login ID``,
  ``Section``, then one column per assignment, named as in nbgrader; a ``Points Possible`` row comes first.
  Canvas matches a row by ``SIS Login ID`` when ``ID`` is empty: nbgrader's student id must be the login. A
  column that matches no Canvas assignment becomes a new assignment on import; to fill an existing one, use its
  header from a Canvas export (``Name (id)``).
- ``moodle``: Moodle's "Import grades from CSV": ``Username``, ``Email address``, ``First name``, ``Last name``,
  then one column per assignment; on import map ``Username`` to "username" and each assignment's column to
  its grade item.

Text cells never start like a spreadsheet formula (a leading ``'`` is added, OWASP's rule).
"""
import csv
import math

from nbgrader.api import MissingEntry
from nbgrader.plugins import BasePlugin, ExportPlugin
from traitlets import Enum, Float

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class PercentPerDayLate(BasePlugin):
    """A late penalty of ``percent_per_day`` % of the score per started day late (at most the whole score)."""

    percent_per_day = Float(10.0, help="percent of the score lost per started day late").tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        if total_seconds_late <= 0:
            return None
        days = math.ceil(total_seconds_late / 86400)
        return min(score, score * self.percent_per_day / 100 * days)


def text(value):
    """A CSV text cell: printable, never starting like a formula."""
    value = "".join(ch for ch in str(value or "") if ch.isprintable())
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def points(x):
    return f"{x:g}"


def final_scores(gradebook, assignments):
    """{(student_id, assignment): score after the late penalty}; a student with no submission: 0."""
    scores = {}
    for assignment in assignments:
        for student in gradebook.students:
            try:
                sub = gradebook.find_submission(assignment.name, student.id)
            except MissingEntry:
                scores[student.id, assignment.name] = 0.0
                continue
            scores[student.id, assignment.name] = max(0.0, sub.score - (sub.late_submission_penalty or 0.0))
    return scores


class LmsExport(ExportPlugin):
    """Final scores as an LMS grade-upload CSV (``lms``: canvas or moodle; columns in the module's docstring)."""

    lms = Enum(["canvas", "moodle"], default_value="canvas", help="the LMS's column conventions").tag(config=True)

    def export(self, gradebook):
        dest = self.to or f"{self.lms}-grades.csv"
        assignments = [a for a in gradebook.assignments if not self.assignment or a.name in self.assignment]
        students = [s for s in gradebook.students if not self.student or s.id in self.student]
        scores = final_scores(gradebook, assignments)
        with open(dest, "w", newline="") as fh:
            writer = csv.writer(fh)
            if self.lms == "canvas":
                writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
                                + [a.name for a in assignments])
                writer.writerow(["Points Possible", "", "", "", ""] + [points(a.max_score) for a in assignments])
                for s in students:
                    name = ", ".join(n for n in (s.last_name, s.first_name) if n) or s.id
                    writer.writerow([text(name), "", "", text(s.id), ""]
                                    + [points(scores[s.id, a.name]) for a in assignments])
            else:
                writer.writerow(["Username", "Email address", "First name", "Last name"]
                                + [a.name for a in assignments])
                for s in students:
                    writer.writerow([text(s.id), text(s.email), text(s.first_name), text(s.last_name)]
                                    + [points(scores[s.id, a.name]) for a in assignments])
        self.log.info("Wrote %s grades of %d student(s) to %s", self.lms, len(students), dest)
