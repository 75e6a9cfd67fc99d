"""Orders: buy now, reservations, flash sales, the purchase batcher, the order lifecycle."""
