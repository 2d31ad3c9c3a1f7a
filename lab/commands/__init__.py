"""What a `lab` command does beyond one call to the layers below: the test
run, the benchmark's and the CIFS VM's runs, the browser tests. Only lab.cli
imports this package; code two commands share lives below it."""
