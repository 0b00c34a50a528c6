"""nbgrader configuration of a class taught with nnedu: nbgrader's workflow, scored by the course's sandboxed,
probe-checked grader. ``python -m nnedu_instructor.nbgrader_course init COURSE_DIR`` writes this file into an
nbgrader course directory with the placeholders filled in (docs/instructors.md, "A class with nbgrader").

What it changes in nbgrader (nnedu_instructor/nbgrader_autograde.py, nbgrader_policy.py):
- autograde: SandboxAutograde replaces Execute (our grader scores every test cell; nbgrader's SaveAutoGrades
  records those scores), RestoreLockedCells replaces OverwriteCells (no false "checksum has changed" warnings);
- late penalty: PercentPerDayLate, PERCENT_PER_DAY % of the score per started day after the due date;
- feedback: hidden tests are removed from what students get (ClearHiddenTests; nbgrader's default shows them),
  and so are the answer cells' outputs (ClearAnswerOutputs: formgrader shows them to the instructor, but a cell
  that prints the kernel's history would hand the hidden tests that ran before it to the student).
"""
import sys

NNEDU = "@NNEDU@"  # the course repository: solutions/, .venv/ (the grader's environment), nnedu_instructor/
SOLUTIONS = "@SOLUTIONS@"  # the labs' solution notebooks (probes/ inside), usually NNEDU + "/solutions"
COURSE_ID = "@COURSE_ID@"
EXCHANGE = "@EXCHANGE@"  # nbgrader's exchange folder, shared by the instructor and the students
PERCENT_PER_DAY = float("@PERCENT_PER_DAY@")  # late penalty, % of the score per started day late

sys.path.insert(0, NNEDU)  # nnedu_instructor's plug-ins need only nbgrader and the standard library here

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
                                    AssignLatePenalties,
                                    CheckCellMetadata,
                                    ClearHiddenTests,
                                    ClearOutput,
                                    DeduplicateIds,
                                    GetGrades,
                                    IgnorePattern,
                                    LimitOutput,
                                    OverwriteKernelspec,
                                    SaveAutoGrades,
)

from nnedu_instructor.nbgrader_autograde import (  # noqa: E402
                                                 ClearAnswerOutputs,
                                                 RestoreLockedCells,
                                                 SandboxAutograde,
)
from nnedu_instructor.nbgrader_policy import PercentPerDayLate  # noqa: E402

c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = COURSE_ID
c.Exchange.root = EXCHANGE

c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreLockedCells,
                                      CheckCellMetadata]
c.Autograde.autograde_preprocessors = [SandboxAutograde, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
c.SandboxAutograde.python = NNEDU + "/.venv/bin/python"
c.SandboxAutograde.solutions = SOLUTIONS
c.SandboxAutograde.cell_timeout = 120
c.SandboxAutograde.notebook_timeout = 900
c.SandboxAutograde.memory_mb = 4096

c.AssignLatePenalties.plugin_class = PercentPerDayLate
c.PercentPerDayLate.percent_per_day = PERCENT_PER_DAY

c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, ClearAnswerOutputs, CSSHTMLHeaderPreprocessor]
