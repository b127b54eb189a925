"""The engine's inference sessions keep onnxruntime's memory arena.

rapidocr builds its sessions with the arena off; the engine turns it on through rapidocr's
configuration (about 8 % of the detector's CPU per page, docs/performance.md 6b). A rapidocr
upgrade that renamed or ignored that key would silently bring the cost back: this notices.
"""

from ocr_integration.local import engine


def test_detector_and_recogniser_sessions_reuse_their_memory():
    ocr = engine.engine()
    for model in (ocr._load_det_model(), ocr._load_rec_model()):
        assert model.session.session.get_session_options().enable_cpu_mem_arena
