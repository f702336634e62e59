"""Close Together: the shared intent-handler layer every front end invokes."""
