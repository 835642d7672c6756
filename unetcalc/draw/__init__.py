"""`unetcalc draw`: the architecture as a graphviz diagram, in the U shape people draw by hand."""
