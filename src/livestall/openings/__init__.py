"""Paid openings: a viewer pays, an oyster or mystery item is opened on camera, and what is inside is theirs."""
