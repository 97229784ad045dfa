"""Real-time fraud risk scoring of card transactions.

After the *Reproducible Machine Learning for Credit Card Fraud Detection - Practical
Handbook* (Le Borgne et al.), implemented from its published description:

* :mod:`records`: the transaction record and the label delay;
* :mod:`streaming`: features updated per transaction (customer and terminal windows,
  terminal risk from labels at least ``delay`` days old);
* :mod:`batch`: the same features recomputed from a whole table (the reference the
  streaming state is tested against);
* :mod:`model`: gradient-boosted trees, saved as plain arrays (no pickle);
* :mod:`scorer`: streaming features + model, one transaction or a replayed file;
* :mod:`simulator`, :mod:`protocol`, :mod:`evaluation`: the handbook's simulated data,
  its train/delay/test protocol and its metrics;
* :mod:`csv_io`: the handbook's CSV layout.

Framework-free: numpy and scikit-learn only. See docs/risk.md.
"""
