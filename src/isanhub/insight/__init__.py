"""Insight: what the stored data means for people (the city scorecard, sellers, farmers).
Insight reads the store through its contract, like any client, and writes its results
back as entities."""
