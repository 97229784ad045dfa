"""The feature vector: names, order and meaning (shared by streaming, batch and model).

The first 15 are the handbook's baseline features (chapter 3.4); the rest are ours, each
computable per transaction with the label delay respected:

* ``TX_AMOUNT``; ``TX_DURING_WEEKEND`` (Saturday or Sunday, UTC); ``TX_DURING_NIGHT``
  (hour <= 6, UTC);
* ``CUSTOMER_ID_NB_TX_<w>DAY_WINDOW`` / ``CUSTOMER_ID_AVG_AMOUNT_<w>DAY_WINDOW``: the
  customer's transactions with time in (t - w, t], the current one included;
* ``TERMINAL_ID_NB_TX_<w>DAY_WINDOW`` / ``TERMINAL_ID_RISK_<w>DAY_WINDOW``: the terminal's
  transactions with time in (t - delay - w, t - delay], and the share of them known to
  be fraud at t (0 when there are none);
* ``CUSTOMER_AMOUNT_RATIO_30DAY``: amount / mean amount of the customer's earlier
  transactions in (t - 30, t] (NaN without any);
* ``CUSTOMER_AMOUNT_ZSCORE_30DAY``: (amount - that mean) / their population standard
  deviation (NaN with fewer than 2, or a deviation under 1e-9);
* ``CUSTOMER_NB_KNOWN_FRAUD_30DAY``: the customer's transactions with time in
  (t - delay - 30, t - delay] known to be fraud at t;
* ``TERMINAL_NB_KNOWN_FRAUD_7DAY``: the terminal's, in (t - delay - 7, t - delay];
* ``TERMINAL_DAYS_SINCE_KNOWN_FRAUD``: days from the terminal's latest fraud known at t
  with time in (t - delay - 30, t - delay] to t (NaN without one);
* ``TERMINAL_NB_TX_AFTER_KNOWN_FRAUD``: the terminal's transactions after that fraud,
  up to t - delay, none known to be fraud (NaN without one): a compromised terminal
  that has since served genuine transactions is likely clean again;
* ``TERMINAL_DAYS_SINCE_FIRST_KNOWN_FRAUD``: days from the terminal's earliest fraud known
  at t with time in (t - delay - 30, t - delay] to t (NaN without one): how long ago the
  terminal's compromise began, so an old one is likely over.

A label is *known at t* when it was recorded by t and the transaction is at least
``delay`` (7 days) older than t. A transaction without a known label counts as genuine,
as in the handbook.
"""

from __future__ import annotations

from openteller.risk.records import WINDOWS_DAYS

BASELINE_FEATURES: tuple[str, ...] = (
    "TX_AMOUNT",
    "TX_DURING_WEEKEND",
    "TX_DURING_NIGHT",
    *(
        f"CUSTOMER_ID_{kind}_{w}DAY_WINDOW"
        for w in WINDOWS_DAYS
        for kind in ("NB_TX", "AVG_AMOUNT")
    ),
    *(f"TERMINAL_ID_{kind}_{w}DAY_WINDOW" for w in WINDOWS_DAYS for kind in ("NB_TX", "RISK")),
)
EXTRA_FEATURES: tuple[str, ...] = (
    "CUSTOMER_AMOUNT_RATIO_30DAY",
    "CUSTOMER_AMOUNT_ZSCORE_30DAY",
    "CUSTOMER_NB_KNOWN_FRAUD_30DAY",
    "TERMINAL_NB_KNOWN_FRAUD_7DAY",
    "TERMINAL_DAYS_SINCE_KNOWN_FRAUD",
    "TERMINAL_NB_TX_AFTER_KNOWN_FRAUD",
    "TERMINAL_DAYS_SINCE_FIRST_KNOWN_FRAUD",
)
FEATURES: tuple[str, ...] = BASELINE_FEATURES + EXTRA_FEATURES
MIN_STD = 1e-9
