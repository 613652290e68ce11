"""Subscriptions and notifications: matching changes to subscriptions, the durable
outbox's dispatcher, and delivery over HTTP and MQTT."""
