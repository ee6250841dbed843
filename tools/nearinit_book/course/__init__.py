"""The course edition of the book: student versions of the chapters, nbgrader assignments, grading.

- `nearinit_book.course.student`: pure notebook transforms (no nbgrader): the student version of a chapter
  (`student_notebook`), the lean assignment of a chapter (`assignment_notebook`), the book's macros as
  MyST frontmatter, and a MyST-to-CommonMark converter for HTML that has no MyST renderer.
- `nearinit_book.course.assignments`: the nbgrader driver and command line (`make course`, `make assignments`).
- `nearinit_book.course.plugins`: nbgrader preprocessors configured in `assignments/nbgrader_config.py` (package
  version recorded in the release and checked at grading; feedback without hidden tests, math typeset offline).
"""
