"""Bank file readers: one module per format behind one interface (see ``base``)."""
