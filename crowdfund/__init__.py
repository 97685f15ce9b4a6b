"""Crowdfunds: Stripe Checkout donations applied from verified webhooks to a ledger."""
