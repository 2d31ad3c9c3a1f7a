"""`make bench`: the stack's paths measured side by side (lab.commands.bench
runs it; figures, measure, report and charts are its parts)."""
