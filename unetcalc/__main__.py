from unetcalc.entry import main

main()
