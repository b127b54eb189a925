"""A local HTTP server that implements the OCR vendors' documented contracts (see docs/vendors.md).

``Simulator(SimulatorConfig(...)).start()`` runs it in a thread on 127.0.0.1 (tests);
``python manage.py ocr_simulator`` runs it in the foreground.
"""

from .server import IamUser, Simulator, SimulatorConfig

__all__ = ["IamUser", "Simulator", "SimulatorConfig"]
