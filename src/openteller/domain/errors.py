"""Errors of the domain core.

Hierarchy::

    OpenTellerError
    ├── DomainError
    │   ├── InvalidAmount        an amount that is not a decimal number, or a float
    │   ├── InvalidCurrency      not an ISO 4217 code, or currencies mixed
    │   └── InvalidAccountNumber an account identifier that cannot be masked
    ├── IngestError             a file that cannot be ingested (names file, position, field)
    │   └── UnknownFormat        no reader recognises the file
    │   └── ConsentError         a consent that breaks the rules (see domain.consent)
    │       └── ForbiddenPurpose advertising, marketing, profiling, cross-selling, sale
    ├── AccessDenied            a read refused by the privacy core (audited)
    ├── StorageError            the database is missing, unreachable or not migrated
    └── MasterKeyError          master key missing, malformed or wrong (see privacy.keys)

Library errors are translated at the boundary with ``raise Ours(...) from exc``.
"""

from __future__ import annotations


class OpenTellerError(Exception):
    """Base class of every error OpenTeller raises on purpose."""


class DomainError(OpenTellerError, ValueError):
    """A value that breaks a rule of the domain."""


class InvalidAmount(DomainError):
    """An amount that is not a decimal number (or is a float)."""


class InvalidCurrency(DomainError):
    """A currency code that is not ISO 4217, or two currencies combined."""


class InvalidAccountNumber(DomainError):
    """An account or card identifier that cannot be masked."""


class IngestError(OpenTellerError):
    """A file that cannot be ingested; the message names file, position and field."""


class UnknownFormat(IngestError):
    """No reader recognises the file's content."""


class StorageError(OpenTellerError):
    """The database is missing, unreachable, or its schema is not current."""


class MasterKeyError(OpenTellerError):
    """The master key is missing, malformed, or does not match the database."""


class ConfigurationError(OpenTellerError):
    """A setting (environment variable or TOML file) is missing or invalid."""


class ConsentError(DomainError):
    """A consent request or change that breaks the consent rules."""


class ForbiddenPurpose(ConsentError):
    """A purpose that can never be granted (advertising, marketing, profiling...)."""


class AccessDenied(OpenTellerError):
    """A read of customer data refused by the privacy core; the refusal is audited."""
