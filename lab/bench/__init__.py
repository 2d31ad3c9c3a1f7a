"""`make bench`: the stack's paths measured side by side. paths: the
measuring; measure: curl and wrk scripts and their output read; tables: what
each table shows; charts: its figures drawn (the results themselves and their
report are lab.results)."""
