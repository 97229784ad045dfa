"""The composition root: the one place that builds real adapters from settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, Engine

from openteller.domain.errors import ConfigurationError, MasterKeyError
from openteller.privacy.access import AccessService
from openteller.privacy.cipher import CustomerCipher
from openteller.privacy.discreet import DiscreetReplies
from openteller.privacy.keys import LocalMasterKey, MasterKeyProvider, decode_master_key
from openteller.privacy.reply_links import ReplyLinks
from openteller.services.atms import AtmService
from openteller.services.bank_http import HttpBankActions
from openteller.services.cards import SimulatedBankCore
from openteller.services.consents import ConsentService
from openteller.services.erasure import ErasureService
from openteller.services.export import ExportService
from openteller.services.handoffs import HandoffService
from openteller.services.ingest import IngestService
from openteller.services.privacy_chat import ChatPrivacy
from openteller.services.rules import RulesService
from openteller.services.web_notices import WebNotices
from openteller.settings import Settings
from openteller.store.audit_log import AuditLog
from openteller.store.consents import ConsentStore
from openteller.store.database import check_schema, create_database_engine
from openteller.store.keystore import AuditKeys, KeyStore
from openteller.store.repository import LedgerStore
from openteller.store.setup import keystore_url_for, prepare

if TYPE_CHECKING:  # heavy (scikit-learn, httpx...): imported only when used
    from openteller.assistant.engine import Assistant
    from openteller.services.alert_reports import AlertReports
    from openteller.services.alerts import AlertDelivery, AlertService
    from openteller.services.bank_feed import FeedService
    from openteller.services.insights import InsightService
    from openteller.services.messenger import MessengerService
    from openteller.services.risk_monitor import RiskMonitor


def load_master_key(settings: Settings) -> MasterKeyProvider:
    """The master key from OPENTELLER_MASTER_KEY or the key file; a clear error if neither."""
    if settings.master_key is not None:
        return LocalMasterKey(
            decode_master_key(settings.master_key.get_secret_value(), "OPENTELLER_MASTER_KEY")
        )
    path = settings.master_key_file
    if path.is_file():
        return LocalMasterKey(decode_master_key(path.read_text(), str(path)))
    raise MasterKeyError(
        f"no master key: set OPENTELLER_MASTER_KEY, or OPENTELLER_MASTER_KEY_FILE to a key "
        f"file ({path} does not exist); `openteller init` creates one for a local setup"
    )


@dataclass
class App:
    """Everything a command or server needs, built lazily from settings."""

    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        return create_database_engine(self.settings.database_url)

    @cached_property
    def keystore_engine(self) -> Engine:
        return create_database_engine(
            keystore_url_for(self.settings.database_url, self.settings.keystore_url)
        )

    @cached_property
    def keystore(self) -> KeyStore:
        return KeyStore(self.keystore_engine)

    @cached_property
    def keys(self) -> MasterKeyProvider:
        return load_master_key(self.settings)

    @cached_property
    def store(self) -> LedgerStore:
        return LedgerStore(self.keys, self.keystore, self.settings.bank_id, self.settings.bank_name)

    @cached_property
    def audit(self) -> AuditLog:
        bank_id = self.settings.bank_id
        signing: list[AuditKeys] = []

        def signing_keys() -> AuditKeys:
            if not signing:
                signing.append(self.keystore.audit_keys(bank_id, self.keys))
            return signing[0]

        return AuditLog(
            self.engine,
            bank_id,
            signing_keys,
            lambda: self.keystore.audit_public_key(bank_id),
            self.settings.audit_checkpoint_every,
        )

    @cached_property
    def access(self) -> AccessService:
        return AccessService(self.engine, self.store, ConsentStore(), self.audit)

    @cached_property
    def consents(self) -> ConsentService:
        service = ConsentService(self.engine, self.store, ConsentStore(), self.audit)
        if self.settings.erase_on_revoke:
            service.on_revoked = lambda external_id: self._erase_on_revoke(external_id)
        return service

    def _erase_on_revoke(self, external_id: str) -> None:
        self.erasure.erase(external_id, actor="retention:erase_on_revoke")

    @cached_property
    def discreet(self) -> DiscreetReplies:
        links: list[ReplyLinks] = []

        def reply_links() -> ReplyLinks:
            if not links:
                links.append(ReplyLinks(self.keystore.link_key(self.settings.bank_id, self.keys)))
            return links[0]

        return DiscreetReplies(
            self.engine, self.store, self.audit, reply_links, self.settings.public_base_url
        )

    @cached_property
    def assistant(self) -> Assistant:
        zone = ZoneInfo(self.settings.timezone)
        return self.make_assistant(lambda: datetime.now(zone))

    def make_assistant(self, clock: Callable[[], datetime]) -> Assistant:
        """The assistant with every skill wired to this bank's services."""
        from openteller.assistant.classifier import load_classifier
        from openteller.assistant.engine import Assistant
        from openteller.assistant.service_skills import ServiceSkills

        return Assistant(
            self.access,
            load_classifier(),
            clock=clock,
            locale=self.settings.locale,
            week_start=self.settings.week_start,
            services=ServiceSkills(
                atms=self.atms,
                cards=self.bank_core,
                handoffs=self.handoffs,
                privacy=ChatPrivacy(self.consents, self.erasure, lambda: self.insights),
            ),
        )

    def keystore_link_key(self) -> bytes:
        """The bank's link key (wrapped by the master key in the key store)."""
        return self.keystore.link_key(self.settings.bank_id, self.keys)

    @cached_property
    def queue_cipher(self) -> CustomerCipher:
        """Encrypts the channel inbox and outbox (bank-level key derived from the link key,
        itself wrapped by the master key in the key store)."""
        material = self.keystore.link_key(self.settings.bank_id, self.keys)
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"openteller channel queue"
        ).derive(material)
        return CustomerCipher(derived)

    @property
    def messenger_enabled(self) -> bool:
        s = self.settings
        return bool(s.messenger_app_secret and s.messenger_verify_token and s.messenger_page_token)

    @cached_property
    def messenger(self) -> MessengerService:
        from openteller.channels.messenger.send import SendClient
        from openteller.services.messenger import MessengerConfig, MessengerService

        s = self.settings
        if not (s.messenger_app_secret and s.messenger_verify_token and s.messenger_page_token):
            raise ConfigurationError(
                "the Messenger channel needs OPENTELLER_MESSENGER_APP_SECRET, "
                "OPENTELLER_MESSENGER_VERIFY_TOKEN and OPENTELLER_MESSENGER_PAGE_TOKEN"
            )
        secret = s.messenger_app_secret.get_secret_value().encode()
        config = MessengerConfig(
            app_secret=secret,
            verify_token=s.messenger_verify_token.get_secret_value(),
            page_token=s.messenger_page_token.get_secret_value(),
            graph_url=s.messenger_graph_url,
            page_ids=frozenset(
                part.strip() for part in (s.messenger_page_id or "").split(",") if part.strip()
            ),
        )
        service = MessengerService(
            self.engine,
            self.store,
            self.audit,
            config=config,
            queue_cipher=self.queue_cipher,
            assistant=lambda: self.assistant,
            consents=self.consents,
            discreet=self.discreet,
            sender=SendClient(config.page_token, secret, config.graph_url),
            public_base_url=s.public_base_url,
            lease=timedelta(seconds=s.queue_lease_seconds),
            echo_wait=timedelta(seconds=s.echo_wait_seconds),
            concurrent_sends=s.messenger_concurrent_sends,
            typing_after=s.messenger_typing_after_ms / 1000,
        )
        # Wired here, not when the alert or insight services are first built: a process
        # that starts by answering a tap on an alert's button must know what it is.
        service.alert_answers = lambda customer, alert, was_me: self.alerts.answer(
            customer, alert, was_me
        )
        service.insight_stop = lambda customer, kind: self.insights.stop(
            customer, kind, actor="customer:messenger"
        )
        return service

    @cached_property
    def alerts(self) -> AlertService:
        from openteller.services.alerts import AlertChannel, AlertService

        def channels() -> dict[str, AlertChannel]:
            enabled: dict[str, AlertChannel] = {}
            if self.messenger_enabled:
                enabled["messenger"] = self.messenger.deliver_alerts
            if self.web_chat_enabled:
                enabled["bank_web"] = self._alert_to_web_chat
            return enabled

        service = AlertService(
            self.engine,
            self.store,
            self.audit,
            self.access,
            keys=self.bank_keys,
            channels=channels,
            freeze=self._freeze_for_alert,
        )
        if self.settings.risk_model is not None:  # answers teach the risk model
            service.answer_listeners.append(
                lambda alert, was_me: self.risk_monitor.on_answer(alert, was_me)
            )
        return service

    @cached_property
    def bank_keys(self) -> dict[str, bytes]:
        """The keys the bank signs its requests (and we our callbacks) with, by key id."""
        from openteller.services.bank_signing import parse_keys

        secret = self.settings.bank_api_keys
        return parse_keys(secret.get_secret_value() if secret else "")

    @cached_property
    def alert_reports(self) -> AlertReports:
        """Answers and unanswered alerts reported to the bank's callback."""
        from openteller.services.alert_reports import AlertReports

        return AlertReports(
            self.engine,
            self.store.bank_id,
            self.audit,
            keys=self.bank_keys,
            callback_url=self.settings.bank_callback_url,
            escalate_after=timedelta(minutes=self.settings.alert_escalation_minutes),
        )

    @cached_property
    def feed(self) -> FeedService:
        """The bank's real-time feed of transactions and balances; new data is checked
        for insights (customers who opted in)."""
        from openteller.services.bank_feed import FeedService

        service = FeedService(self.engine, self.store, self.audit, self.ingest)
        if self.settings.risk_model is not None:
            service.listeners.append(self.risk_monitor.on_feed)
        service.listeners.append(lambda customer, _new: self.insights.check(customer))
        return service

    @cached_property
    def risk_monitor(self) -> RiskMonitor:
        """Scores fed payments with the bank's risk model (``risk_model``)."""
        from openteller.risk.model import RiskModel
        from openteller.risk.scorer import RiskScorer
        from openteller.services.risk_monitor import RiskMonitor

        path = self.settings.risk_model
        if path is None:
            raise ConfigurationError("set OPENTELLER_RISK_MODEL to a model trained by `risk train`")
        return RiskMonitor(
            RiskScorer(RiskModel.load(path)), self.settings.risk_threshold, self.alerts.receive
        )

    @cached_property
    def insights(self) -> InsightService:
        from openteller.services.insights import Deliver, InsightService

        def channels() -> dict[str, Deliver]:
            enabled: dict[str, Deliver] = {}
            if self.web_chat_enabled:
                enabled["bank_web"] = self._insight_to_web_chat
            if self.messenger_enabled:
                enabled["messenger"] = self.messenger.deliver_insight
            return enabled

        return InsightService(self.engine, self.store, self.audit, self.access, channels)

    def _insight_to_web_chat(self, customer: str, notice: str, text: str, stop: str) -> int:
        message = {"text": text, "quick_replies": [{"title": "Stop these", "payload": stop}]}
        return int(self.web_notices.post(customer, notice, message))

    @property
    def web_chat_enabled(self) -> bool:
        """Customers can sign in to the bank's web chat (OIDC, or the demo's password)."""
        return bool(self.settings.oidc_issuer or self.settings.demo_login_password)

    @cached_property
    def web_notices(self) -> WebNotices:
        return WebNotices(self.engine, self.store)

    def _alert_to_web_chat(self, conn: Connection, deliveries: Sequence[AlertDelivery]) -> int:
        from openteller.domain.fraud_alert import ANSWERS, alert_question

        posted = 0
        for delivery in deliveries:
            message = {
                "text": alert_question(delivery.alert),
                "quick_replies": [
                    {"title": title, "payload": f"{verb}{delivery.alert_id}"}
                    for title, verb in ANSWERS
                ],
            }
            notice = f"alert:{delivery.alert_id}"
            posted += self.web_notices.post(delivery.customer.external_id, notice, message, conn)
        return posted

    def _freeze_for_alert(self, customer: str, last4: str) -> str:
        cards = self.bank_core.cards(customer)
        chosen = [c for c in cards if last4 and c.label.endswith(last4)]
        if len(chosen) != 1:
            return 'I could not tell which card it was: say "freeze my card" to choose.'
        card = self.bank_core.set_frozen(
            customer, chosen[0].account_id, True, actor="customer:fraud-alert"
        )
        return f"Your {card.label} is now frozen."

    @cached_property
    def bank_core(self) -> SimulatedBankCore | HttpBankActions:
        """The bank's core for card controls: over HTTP when configured, else simulated."""
        url = self.settings.bank_actions_url
        if not url:
            return SimulatedBankCore(self.engine, self.store, self.audit)
        secret = self.settings.bank_actions_secret
        if secret is None:
            raise ConfigurationError(
                "OPENTELLER_BANK_ACTIONS_URL is set but OPENTELLER_BANK_ACTIONS_SECRET is not: "
                "requests to the bank's core must be signed"
            )
        return HttpBankActions(
            self.engine,
            self.store,
            self.audit,
            url=url,
            key_id=self.settings.bank_actions_key_id,
            secret=secret.get_secret_value().encode(),
        )

    @cached_property
    def handoffs(self) -> HandoffService:
        return HandoffService(self.engine, self.store, self.audit)

    @cached_property
    def erasure(self) -> ErasureService:
        return ErasureService(self.engine, self.store, self.audit)

    @cached_property
    def export(self) -> ExportService:
        return ExportService(self.access, self.consents, self.audit)

    @cached_property
    def ingest(self) -> IngestService:
        second_process = self.settings.ingest_second_process
        return IngestService(
            self.engine,
            self.store,
            parallel_from_bytes=(
                self.settings.ingest_second_process_from_bytes if second_process else None
            ),
        )

    @cached_property
    def rules(self) -> RulesService:
        return RulesService(self.engine, self.store)

    @cached_property
    def atms(self) -> AtmService:
        return AtmService(self.engine, self.settings.bank_id)

    def init(self) -> tuple[str | None, str]:
        """Create or migrate both databases, register the bank, finish pending erasures.
        Returns the schema revision before and after."""
        revisions = prepare(self.engine, self.keystore, self.keys, self.settings.bank_id)
        with self.engine.begin() as conn:
            self.store.ensure_bank(conn)
        self.erasure.resume()
        return revisions

    def ready(self) -> None:
        """Check the schema is current and the master key is the bank's own."""
        check_schema(self.engine)
        with self.engine.begin() as conn:
            self.store.ensure_bank(conn)

    def require_customer(self, external_id: str) -> None:
        """:class:`UnknownCustomer` (naming the id and the bank) unless the customer is
        known: for commands an operator types, where a wrong id is an error, not a chat
        reply."""
        from openteller.services.customers import require_customer

        with self.engine.connect() as conn:
            require_customer(self.store, conn, external_id)

    def close(self) -> None:
        for name in ("engine", "keystore_engine"):
            if name in self.__dict__:
                self.__dict__[name].dispose()
