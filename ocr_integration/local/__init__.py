"""The embedded OCR engine (rapidocr, offline): ``LocalOcrProvider`` and ``warm_up``."""
