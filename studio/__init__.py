"""The app's own parts beside app.py: request guards, the drawing pad, the page's CSS."""
