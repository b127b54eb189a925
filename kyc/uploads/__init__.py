"""The upload path: an uploaded file becomes an image we are willing to store (sniffed, bounded,
cleaned of everything but the picture, checked for quality)."""
