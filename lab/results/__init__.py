"""A measurement's results, whoever measured them (lab.bench, lab.cifsvm):
figures: samples and their statistics; report: results.json and report.md in
the tables the caller names; machine: the machine they were measured on."""
