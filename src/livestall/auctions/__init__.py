"""Live auctions: a pinned product sold to the highest bidder by the server clock."""
