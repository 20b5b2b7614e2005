"""What a trainee sees during a live session: the blitted plot window and the console status line."""
