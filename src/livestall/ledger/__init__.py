"""Double-entry ledger: accounts, balanced transfers, wallets, payment providers and the check."""
