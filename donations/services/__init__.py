"""Writes for giving. Views and webhooks call these; nothing else changes pledges, payments or refunds."""
