"""nbgrader configuration of the nearinit course (graded exercises of the chapters).

Used twice:
- by instructors, with this directory as the course directory: run the nbgrader commands from here
  (`assignments/source/<chapter>/<chapter>.ipynb` is a copy of `book/<chapter>.ipynb`; see README.md);
- by `make assignments` / `make test`, which copy it into the course directory `_build/assignments/course/`
  (`tests/assignments.py`).

The chapter notebook is the only source. Beyond nbgrader's defaults (solutions → stubs, hidden tests removed,
outputs cleared, test cells locked), `generate_assignment` drops the cells tagged `website-only` (the `{solution}`
dropdowns of the website) with nbconvert's TagRemovePreprocessor, run before nbgrader's own preprocessors so
that the gradebook and the checksums describe the notebook the students receive.
"""

from nbconvert.preprocessors import TagRemovePreprocessor
from nbgrader.converters import GenerateAssignment

c = get_config()  # noqa: F821 (injected by traitlets when it loads this file)

c.CourseDirectory.course_id = "nearinit"

# Student release: website-only cells go first, then nbgrader's default chain, unchanged and in order.
c.GenerateAssignment.preprocessors = [TagRemovePreprocessor, *GenerateAssignment.preprocessors.default()]
c.TagRemovePreprocessor.enabled = True  # nbconvert preprocessors are off unless enabled
c.TagRemovePreprocessor.remove_cell_tags = {"website-only"}

# Autograding runs the whole chapter: no cell runs over 10 s here (CONTRIBUTING.md); leave room for slow machines.
c.Execute.timeout = 300
# A submission that deleted a graded test cell gets it back from the gradebook (and is graded on it).
c.OverwriteCells.add_missing_cells = True
