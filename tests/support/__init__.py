"""What the tests (and the benchmarks) share: the Stripe stand-in, the webhook secret,
factories for people and pages, and helpers for the processes some tests start.

Importing this package pulls in nothing from Django, so scripts that are not tests
(the benchmarks) may use `stripe_standin` before Django is set up.
"""
