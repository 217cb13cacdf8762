"""Service-desk pages (issue 5): intake, case list and file, public quote links, receipts,
finance, unit timelines and dashboard widgets. Views parse, call services and render."""
