"""The embedded face engine: dlib's face detector, 68-point landmarks and ResNet face descriptor.

The models ship in the ``face-recognition-models`` package (nothing is downloaded at run time);
they are loaded once per process (:func:`ocr_integration.faces.engine.warm_up`).
"""
