"""One module per `lab` command; each returns data or raises LabError, and
lab.cli does the printing."""
