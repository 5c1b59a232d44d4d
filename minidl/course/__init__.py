"""Course helpers that are not library: lesson 03's fitting tools (`minidl.fitting`), the
install check (`python -m minidl doctor`) and a deterministic training progress bar
(`minidl.course.progress_bar`). Like `minidl.data`, `minidl.plot`, `minidl.widgets` and
`minidl.exercises`, they are imported on first use, so `import minidl` stays NumPy-only.

The rule of the layout: every top-level module of `minidl` is the library (what a torch user
would find in torch); every folder is a course helper."""
