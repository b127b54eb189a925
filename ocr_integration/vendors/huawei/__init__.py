"""Huawei Cloud OCR and G42 Cloud OCR (the same stack; region, endpoint and project configurable)."""
