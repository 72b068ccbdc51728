"""nbgrader configuration: the repository root is the course directory, labs/ its source.

From the repository root:

    nbgrader generate_assignment 01_first_gan     # student copy -> release/01_first_gan/
    nbgrader autograde 01_first_gan               # grades submitted/<student>/01_first_gan/

The instructor versions live in labs/<lab>/<lab>.ipynb, which is the layout nbgrader expects
for its source step ({source_directory}/{assignment_id}/{notebook_id}.ipynb). nbgrader writes
release/, submitted/, autograded/, feedback/ and gradebook.db next to this file (all ignored by
git).

Grade in fast mode, `GAN_TOY_FAST=1 nbgrader autograde <lab>`: the graded tests check
implementations and predictions, which do not depend on how long the demonstrations train.
(Not set here: JupyterLab's nbgrader extension reads this file too, and every kernel of the
server would then run in fast mode.)
"""

import os

c = get_config()  # noqa: F821  (nbgrader provides get_config when it loads this file)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "labs"

# A lab cell may train a GAN for a while (longer at full size); nbgrader's default of 30 s per
# cell is tight on a busy grading machine, and a cell that times out scores zero.
c.Execute.timeout = 300
