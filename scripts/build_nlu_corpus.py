"""Build the assistant's training corpus from the public datasets in ../shared/datasets.

Usage: .venv/bin/python scripts/build_nlu_corpus.py [--shared ../shared]

Writes src/openteller/assistant/data/corpus.tsv.gz (source, intent, text), the derived
copy that ships with OpenTeller so the model trains offline on any machine. The intent
mapping lives here, in one place, and docs/assistant.md describes it:

* CLINC150 (CC BY 3.0, Larson et al. 2019), train + val: the banking skills it has
  (balance, spending_history, transactions, report_fraud, freeze_account,
  report_lost_card, and income from the work domain) map to ours; the other banking and
  credit-card intents become ``banking_other`` (a handoff); greeting, thanks, goodbye,
  yes, no, cancel and "what can I ask you" map to the dialogue intents; every other
  intent and the out-of-scope queries become ``out_of_scope``.
* BANKING77 (CC BY 4.0, Casanueva et al. 2020), train: ``banking_other``, except lost
  or stolen cards (``freeze_card``) and unrecognised or compromised payments
  (``report_fraud``).
* NLU++ banking (CC BY 4.0, Casanueva et al. 2022), folds 0-15: its labels are
  compositional (``balance`` + ``how_much``, ``transfer_payment_deposit`` +
  ``request_info`` ...), so ``nlupp_intent`` maps a combination to a skill only when the
  combination asks the ledger or the card something a skill answers: a balance question
  with nothing wrong, changed or fee-related about it; a question about payments in a
  period or to a payee (spending when it asks about spending, income when about money
  received, transactions when it asks for the payments themselves, the biggest ones, or
  whether one was made); a lost or stolen card, or a request to freeze or block one.
  Everything else banking is ``banking_other``; pure dialogue acts map to the dialogue
  intents.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/openteller/assistant/data/corpus.tsv.gz"

CLINC_SKILLS = {
    "balance": "balance",
    "spending_history": "spending",
    "transactions": "transactions",
    "report_fraud": "report_fraud",
    "freeze_account": "freeze_card",
    "report_lost_card": "freeze_card",
    "income": "income",
    "greeting": "greeting",
    "thank_you": "thanks",
    "goodbye": "goodbye",
    "yes": "affirm",
    "no": "deny",
    "cancel": "deny",
    "what_can_i_ask_you": "help",
}
BANKING77_SKILLS = {
    "lost_or_stolen_card": "freeze_card",
    "compromised_card": "report_fraud",
    "card_payment_not_recognised": "report_fraud",
    "direct_debit_payment_not_recognised": "report_fraud",
    "cash_withdrawal_not_recognised": "report_fraud",
}
NLUPP_DIALOGUE = {
    "greet": "greeting",
    "thank": "thanks",
    "affirm": "affirm",
    "deny": "deny",
    "end_call": "goodbye",
    "handoff": "human_agent",
}
NLUPP_ACTS = set(NLUPP_DIALOGUE) | {"acknowledge", "dont_know", "repeat"}
#: Labels that make a payment or balance question something no skill answers (a fault, a
#: fee, a limit, a change, how or why something works, when something arrives...).
NLUPP_NOT_LEDGER = {
    "wrong_notworking_notshowing", "refund", "direct_debit", "standing_order",
    "cancel_close_leave_freeze", "make_open_apply_setup_get_activate", "change", "limits",
    "fees_interests", "international", "arrival", "how", "why", "when", "overdraft",
    "loan", "mortgage", "cheque", "appointment", "lost_stolen", "pin", "contactless",
    "new", "withdrawal", "handoff",
}  # fmt: skip
NLUPP_QUESTION = {"how_much", "more_higher_after", "less_lower_before", "request_info"}
NLUPP_ACCOUNT = {"account", "savings", "current", "business", "credit", "debit", "card", "existing"}
NLUPP_PERIOD_OR_PAYEE = {
    "shopping_category", "company_name", "date", "date_period", "date_from", "date_to",
    "amount_of_money", "number", "time_period", "time_from", "time_to",
}  # fmt: skip
RECEIVED = re.compile(
    r"\b(earn(ed|ings)?|income|salary|wages?|pay ?check|got paid|paid me|receive[ds]?|"
    r"received|receiving|came in)\b"
)
SPENT = re.compile(
    r"\b(spen[dt]|spending|spendings|expenditures?|expenses|burn(ed|t)|cost me|"
    r"how much (did|have) i (paid|pay|bought|buy)|paid for|pa(y|id) most)\b"
)
#: "did I pay Netflix?", "did I buy anything at ...": a search for the payments.
DID_I_PAY = re.compile(r"\b(did|have) i (paid|pay|bought|buy)\b")
LISTED = re.compile(r"\b(transactions?|payments|movements|purchases|list)\b")
ASKED_FOR_LIST = re.compile(
    r"\b(list|show|see|tell me|give me)\b.*\b(transactions|payments|movements|purchases)\b"
)
#: "my biggest expenditure", "my highest payments": the payments themselves, by size.
BY_SIZE = re.compile(r"\b(biggest|largest|highest)\b")
FREEZE = re.compile(r"\b(freeze|block)\b")


def clinc(root: Path) -> list[tuple[str, str, str]]:
    data = json.loads((root / "clinc150/train_val.json").read_text())
    domains = json.loads((root / "clinc150/domains.json").read_text())
    banking = set(domains["banking"]) | set(domains["credit_cards"])
    rows = []
    for split in ("train", "val", "oos_train", "oos_val"):
        for text, label in data[split]:
            if label in CLINC_SKILLS:
                intent = CLINC_SKILLS[label]
            elif label in banking:
                intent = "banking_other"
            else:
                intent = "out_of_scope"
            rows.append(("clinc150", intent, text))
    return rows


def banking77(root: Path) -> list[tuple[str, str, str]]:
    with (root / "banking77/train.csv").open(newline="", encoding="utf-8") as handle:
        return [
            ("banking77", BANKING77_SKILLS.get(r["category"], "banking_other"), r["text"])
            for r in csv.DictReader(handle)
        ]


def nlupp(root: Path) -> list[tuple[str, str, str]]:
    rows = []
    for path in sorted((root / "nlupp-banking").glob("fold*.json")):
        for item in json.loads(path.read_text()):
            intents = set(item.get("intents", []))
            text = item["text"]
            if not intents:
                continue
            if intents <= NLUPP_ACTS:
                acts = [NLUPP_DIALOGUE[i] for i in sorted(intents) if i in NLUPP_DIALOGUE]
                if len(set(acts)) == 1:
                    rows.append(("nlupp", acts[0], text))
                continue
            rows.append(("nlupp", nlupp_intent(intents, set(item.get("slots", {})), text), text))
    return rows


def nlupp_intent(intents: set[str], slots: set[str], text: str) -> str:
    """Our intent for an NLU++ banking example that is not a pure dialogue act."""
    lowered = text.lower()
    if "handoff" in intents:
        return "human_agent"
    if "card" in intents and "lost_stolen" in intents:
        return "freeze_card"
    if "cancel_close_leave_freeze" in intents and FREEZE.search(lowered):
        return "freeze_card"
    asked = intents - NLUPP_ACTS
    if "thank" in intents or asked & NLUPP_NOT_LEDGER:
        return "banking_other"
    if "balance" in asked:
        allowed = {"balance"} | NLUPP_QUESTION | NLUPP_ACCOUNT | {"transfer_payment_deposit"}
        return "balance" if asked <= allowed else "banking_other"
    if not asked & NLUPP_QUESTION:
        return "banking_other"
    listed = LISTED.search(lowered)
    if not slots & NLUPP_PERIOD_OR_PAYEE and not ASKED_FOR_LIST.search(lowered):
        return "banking_other"
    if RECEIVED.search(lowered):
        return "income"
    if BY_SIZE.search(lowered):
        return "transactions"
    if SPENT.search(lowered) and not (listed and "how_much" not in asked):
        return "spending"
    if DID_I_PAY.search(lowered) or (listed and "transfer_payment_deposit" in asked):
        return "transactions"
    return "banking_other"


def build(root: Path) -> list[tuple[str, str, str]]:
    """(source, intent, text) rows from the datasets under ``root``, duplicates dropped."""
    rows = clinc(root) + banking77(root) + nlupp(root)
    seen: set[tuple[str, str]] = set()
    unique = []
    for source, intent, text in rows:
        text = " ".join(text.split())
        if text and (intent, text.lower()) not in seen:
            seen.add((intent, text.lower()))
            unique.append((source, intent, text))
    return unique


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = Path(__file__).resolve().parents[2] / "shared"
    parser.add_argument("--shared", type=Path, default=shared)
    args = parser.parse_args()
    unique = build(args.shared / "datasets")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(("source", "intent", "text"))
        writer.writerows(unique)
    counts: dict[str, int] = {}
    for _source, intent, _text in unique:
        counts[intent] = counts.get(intent, 0) + 1
    print(f"{len(unique)} examples -> {OUT}")
    for intent, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {intent:<16} {count}")


if __name__ == "__main__":
    main()
