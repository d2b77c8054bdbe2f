"""minutes: local, consent-gated meeting minutes for schools.

Importing the package switches every model library to offline mode before any of them is imported:
the model hubs are never contacted and pyannote's and onnxruntime's telemetry is off.
"""

from minutes.engines.offline import enforce_offline

enforce_offline()

__version__ = "0.1.0"
