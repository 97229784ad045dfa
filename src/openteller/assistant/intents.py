"""The intents the assistant understands (a closed set)."""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    BALANCE = "balance"
    SPENDING = "spending"
    INCOME = "income"
    TRANSACTIONS = "transactions"
    ATM = "atm"
    REPORT_FRAUD = "report_fraud"
    FREEZE_CARD = "freeze_card"
    UNFREEZE_CARD = "unfreeze_card"
    PRIVACY_WHAT_DATA = "privacy_what_data"
    PRIVACY_CONSENTS = "privacy_consents"
    PRIVACY_REVOKE = "privacy_revoke"
    PRIVACY_EXPORT = "privacy_export"
    PRIVACY_ERASE = "privacy_erase"
    PRIVACY_AUDIT = "privacy_audit"
    HUMAN_AGENT = "human_agent"
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    HELP = "help"
    AFFIRM = "affirm"
    DENY = "deny"
    BANKING_OTHER = "banking_other"
    OUT_OF_SCOPE = "out_of_scope"


#: Intents answered by a skill from the customer's data or an action.
SKILL_INTENTS = frozenset(
    {
        Intent.BALANCE,
        Intent.SPENDING,
        Intent.INCOME,
        Intent.TRANSACTIONS,
        Intent.ATM,
        Intent.REPORT_FRAUD,
        Intent.FREEZE_CARD,
        Intent.UNFREEZE_CARD,
        Intent.PRIVACY_WHAT_DATA,
        Intent.PRIVACY_CONSENTS,
        Intent.PRIVACY_REVOKE,
        Intent.PRIVACY_EXPORT,
        Intent.PRIVACY_ERASE,
        Intent.PRIVACY_AUDIT,
    }
)
