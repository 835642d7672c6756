from unetcalc.cli import main

main()
