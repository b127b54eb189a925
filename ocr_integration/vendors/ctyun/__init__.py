"""China Telecom Cloud (CTyun) OCR: general OCR and the Chinese resident ID card, batched."""
