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
* NLU++ banking (CC BY 4.0, Casanueva et al. 2022), folds 0-15: ``banking_other``,
  except pure dialogue acts and lost/stolen cards.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
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
            if "handoff" in intents:
                rows.append(("nlupp", "human_agent", text))
            elif "lost_stolen" in intents and "card" in intents:
                rows.append(("nlupp", "freeze_card", text))
            else:
                rows.append(("nlupp", "banking_other", text))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    args = parser.parse_args()
    root = args.shared / "datasets"
    rows = clinc(root) + banking77(root) + nlupp(root)
    seen: set[tuple[str, str]] = set()
    unique = []
    for source, intent, text in rows:
        text = " ".join(text.split())
        if text and (intent, text.lower()) not in seen:
            seen.add((intent, text.lower()))
            unique.append((source, intent, text))
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
