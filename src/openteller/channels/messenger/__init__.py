"""Facebook Messenger: webhook signatures and events, the Send API."""
