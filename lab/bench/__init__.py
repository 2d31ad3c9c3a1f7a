"""`make bench`: the stack's paths measured side by side. paths: the
measuring; measure: curl and wrk scripts and their output read; figures:
samples and statistics; tables: what each table shows; report and charts:
the run written down."""
