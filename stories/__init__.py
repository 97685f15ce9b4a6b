"""Stories of local alliances: submitted by groups, reviewed by editors, browsed by all."""
