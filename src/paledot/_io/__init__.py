"""The plumbing every station shares, and nothing else: the error type, checks on what users pass,
atomic output files, quiet interrupts, progress bars, fixed-decimal text and the version stamp.
No physics here, and no module here imports any other station."""
