"""Personal data: where it lives (the list erasure walks) and the blind indexes that find it encrypted."""
