"""Where the couple's record is kept: SQLite (embedded) and DynamoDB, behind ask-sdk's
persistence-adapter interface."""
