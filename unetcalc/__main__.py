from unetcalc.cli.entry import main

main()
