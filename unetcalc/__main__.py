from unetcalc.cli.entry import run

run()
