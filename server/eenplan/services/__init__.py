"""Services: the use cases of eenplan, each one transaction, authorised before any plan data is read."""
