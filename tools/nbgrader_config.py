"""nbgrader settings for grading the minidl course's exercises (INSTRUCTORS.md, "Grading with
nbgrader"): copy this file into your nbgrader course folder as nbgrader_config.py.

The stub is the one tools/make_exercises.py writes into exercises/, so the notebooks nbgrader
releases are the course's own exercise notebooks: `# YOUR CODE HERE` + `pass` runs at any
indentation (nbgrader's default `raise NotImplementedError()` would stop a blank notebook at
its first top-level answer), and the checkers read a blank answer as "not attempted".
"""
c = get_config()  # noqa: F821  (nbgrader provides get_config)

c.CourseDirectory.course_id = "minidl"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\npass"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
