"""What each resource is: its wire schema, its status table and its rules. No I/O here."""
